// router.js - screens by location hash (#/market?asset=USDT, #/order/12): links and the
// back button work, and a reload lands on the same screen. A screen is
// mount(root, {params, query}) returning its cleanup function (or nothing).

let s_routes = [];
let s_current = null;
let s_root = null;
let s_guard = () => null;

// routes: [{path: '/order/:id', mount, title, needs: 'trader' | 'admin'}]
// guard(route) returns a mount function to use instead (sign-in, join), or null.
export function start(root, routes, guard) {
  s_root = root;
  s_routes = routes.map((r) => Object.assign({}, r, {re: compile(r.path)}));
  s_guard = guard;
  window.addEventListener('hashchange', render);
  render();
}

function compile(path) {
  return new RegExp('^' + path.replace(/:([a-z]+)/g, '(?<$1>[^/]+)') + '$');
}

export function parse(hash) {
  const raw = (hash || '').replace(/^#/, '') || '/market';
  const [path, qs] = raw.split('?');
  return {path, query: Object.fromEntries(new URLSearchParams(qs || ''))};
}

export function current() {
  return parse(location.hash);
}

export function go(path, query) {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v != null)).toString() : '';
  const target = '#' + path + (qs ? '?' + qs : '');
  if (location.hash === target) render();
  else location.hash = target;
}

// Change the query of the current screen without re-mounting it (filters).
export function replaceQuery(query) {
  const {path} = current();
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v != null)).toString();
  history.replaceState(null, '', '#' + path + (qs ? '?' + qs : ''));
}

export function render() {
  const {path, query} = current();
  let route = s_routes.find((r) => r.re.test(path));
  if (!route) route = s_routes[0];
  const params = route.re.exec(path) ? route.re.exec(path).groups || {} : {};
  if (s_current && s_current.cleanup) s_current.cleanup();
  s_root.replaceChildren();
  const mount = s_guard(route) || route.mount;
  const cleanup = mount(s_root, {params, query, route});
  s_current = {route, cleanup: typeof cleanup === 'function' ? cleanup : null};
  document.dispatchEvent(new CustomEvent('p2p:route', {detail: {route}}));
}
