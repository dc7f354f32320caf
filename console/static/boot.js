// Starts the console: the wasm-bindgen glue loads herald_console_bg.wasm next to it and runs its
// start function, which mounts the app on <body>. A file, not an inline script, for the strict CSP.
import init from "/console/herald_console.js";
init();
