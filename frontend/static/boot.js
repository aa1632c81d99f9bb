// Starts the web app. A file of its own, not an inline script, so the
// Content-Security-Policy can allow scripts from the server's origin only
// (script-src 'self' 'wasm-unsafe-eval').
//
// The app is one WebAssembly module (sealbid-crypto and the yew pages);
// `init` fetches, compiles and starts it (its `main` mounts the app).
// Any CSP violation is kept in `window.__sealbidCspViolations` (the browser
// tests read it) and logged to the console.
import init from "/sealbid_frontend.js";

window.__sealbidCspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const what = `${e.violatedDirective} blocked ${e.blockedURI || "inline"}`;
  window.__sealbidCspViolations.push(what);
  console.warn("Content-Security-Policy: " + what);
});
window.__sealbidStart = performance.now();
init({ module_or_path: "/sealbid_frontend_bg.wasm" }).catch((e) => {
  const box = document.getElementById("boot");
  box.className = "error";
  box.textContent = "应用无法启动 / The app cannot start: " + e;
});
