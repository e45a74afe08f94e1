{
  "variables": { "sanitize%": "<!(echo $AVFORGE_SANITIZE)", "ffmpeg_static%": "<!(echo $AVFORGE_FFMPEG_STATIC_LIBS)" },
  "targets": [
    {
      "target_name": "avforge",
      "sources": [
        "native/addon.cc",
        "native/common/error.cc",
        "native/common/executor.cc",
        "native/common/log.cc",
        "native/common/process_limits.cc",
        "native/common/process_exit.cc",
        "native/common/views.cc",
        "native/common/options.cc",
        "native/common/owned.cc",
        "native/common/codec_quirks.cc",
        "native/packet.cc",
        "native/frame.cc",
        "native/codec_parameters.cc",
        "native/common/io_channel.cc",
        "native/io.cc",
        "native/demuxer.cc",
        "native/muxer.cc",
        "native/codec.cc",
        "native/decoder.cc",
        "native/subtitle.cc",
        "native/encoder.cc",
        "native/scaler.cc",
        "native/resampler.cc",
        "native/common/lavfi.cc",
        "native/common/devices.cc",
        "native/filter_graph.cc",
        "native/bsf.cc",
        "native/hw.cc",
        "native/listings.cc",
        "native/option_listing.cc",
        "native/steps/input.cc",
        "native/steps/input_guard.cc",
        "native/steps/codec_context.cc",
        "native/steps/drain.cc",
        "native/pipeline/plan.cc",
        "native/pipeline/run.cc",
        "native/pipeline/stage_threads.cc",
        "native/pipeline/frame_buffers.cc",
        "native/pipeline/demux.cc",
        "native/pipeline/decode.cc",
        "native/pipeline/filter.cc",
        "native/pipeline/filter_report.cc",
        "native/pipeline/encode.cc",
        "native/pipeline/video_sync.cc",
        "native/pipeline/subtitle.cc",
        "native/pipeline/mux.cc",
        "native/pipeline/taps.cc",
        "native/pipeline/pipeline.cc"
      ],
      "include_dirs": ["native", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "<!@(pkg-config --cflags libavformat libavcodec libavutil libswscale libswresample libavfilter)"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++1y"],
      "libraries": ["<!@(pkg-config --libs libavformat libavcodec libavutil libswscale libswresample)", "-lpthread", "-ldl"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "AVF_LAVFI_DIR=<!(pkg-config --variable=libdir libavfilter)"],
      "conditions": [
        ["sanitize!=''", {
          "cflags_cc+": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags+": ["-fsanitize=address,undefined"]
        }],
        ["ffmpeg_static!=''", {
          "defines+": ["AVF_FFMPEG_STATIC=1"],
          "libraries+": ["-Wl,--start-group", "<!@(echo $AVFORGE_FFMPEG_STATIC_LIBS)", "-Wl,--end-group"],
          "ldflags+": ["-Wl,-Bsymbolic", "-Wl,--exclude-libs,ALL", "-Wl,--as-needed"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["<!@(pkg-config --cflags libavformat libavcodec libavutil libswscale libswresample libavfilter)"]
          }
        }]
      ]
    }
  ]
}
