// clock.js - the server's time, for countdowns. The gateway sends no Date header, so
// the offset is learnt from timestamps of things that just happened on the server (an
// order we changed, a push): each gives server_time - local_time_at_receipt, which
// latency can only make smaller than the true offset, so the largest sample wins.

let s_offset = null; // ms to add to Date.now() to get the server's time

export function observe(serverIso) {
  const at = Date.parse(serverIso);
  if (Number.isNaN(at)) return;
  const sample = at - Date.now();
  // an older timestamp (a replay of an old object) would give a sample far in the past
  if (s_offset === null || (sample > s_offset && sample - s_offset < 3600e3)) s_offset = sample;
}

export function now() {
  return Date.now() + (s_offset || 0);
}

// "mm:ss" (or "h:mm:ss") left until iso, "00:00" once passed; and the ms left.
export function remaining(iso) {
  const ms = Math.max(0, Date.parse(iso) - now());
  const total = Math.ceil(ms / 1000);
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return {ms, text: (hh ? hh + ':' + pad(mm) : pad(mm)) + ':' + pad(ss)};
}
