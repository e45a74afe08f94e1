// Fuzz builds only: native/common/error.h names Napi types in declarations; the harness never uses them.
#pragma once
namespace Napi {
class Env;
class Error;
class Function;
}  // namespace Napi
