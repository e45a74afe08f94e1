// The filters that turn a video upright from its display matrix, inserted right after the
// input, as the ffmpeg CLI does by default (-autorotate): a phone's portrait video, stored
// landscape with a 90° matrix, is encoded portrait and without the matrix.

/** av_display_rotation_get(): the matrix's rotation in degrees (counterclockwise), NaN when degenerate. */
function displayRotation(m: readonly number[]): number {
  const fp = (i: number) => m[i]! / 65536;
  const scale0 = Math.hypot(fp(0), fp(3));
  const scale1 = Math.hypot(fp(1), fp(4));
  if (scale0 === 0 || scale1 === 0) return Number.NaN;
  return (-Math.atan2(fp(1) / scale1, fp(0) / scale0) * 180) / Math.PI;
}

/** The CLI's choice (fftools' get_rotation and the filters it inserts), as filter strings in order. */
export function autorotateFilters(matrix: readonly number[] | null): string[] {
  if (!matrix || matrix.length < 9) return [];
  const rotation = displayRotation(matrix);
  if (Number.isNaN(rotation)) return [];
  let theta = -Math.round(rotation);
  theta -= 360 * Math.floor(theta / 360 + 0.9 / 360);
  const near = (deg: number) => Math.abs(theta - deg) < 1;
  if (near(90)) return [matrix[3]! > 0 ? 'transpose=cclock_flip' : 'transpose=clock'];
  if (near(180)) return [...(matrix[0]! < 0 ? ['hflip'] : []), ...(matrix[4]! < 0 ? ['vflip'] : [])];
  if (near(270)) return [matrix[3]! < 0 ? 'transpose=clock_flip' : 'transpose=cclock'];
  if (Math.abs(theta) > 1) return [`rotate=${theta.toFixed(6)}*PI/180`];
  return matrix[4]! < 0 ? ['vflip'] : [];
}
