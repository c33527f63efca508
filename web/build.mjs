// Bundles the dashboard into dist/ (served by the cloud node at /):
//   dist/index.html, dist/app.js (our code + uPlot + cytoscape + ELK), dist/app.css,
//   dist/vendor/ the AssemblyScript compiler's browser build (asc.js, assemblyscript.js,
//   binaryen.js, long.js), loaded through the import map in index.html only when the
//   code page compiles something: 13 MB that the other pages never fetch.
// No CDN and no web fonts: everything the page loads comes from dist/.
import * as esbuild from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const final = join(here, "dist");
const modules = join(here, "node_modules");
// Built beside dist/ and swapped in at the end, so a node serving dist/ while
// another build runs (two build trees, one source tree) never sees half a build.
const dist = join(here, `dist.tmp-${process.pid}`);

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "vendor"), { recursive: true });

await esbuild.build({
  entryPoints: [join(here, "src/main.js")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outfile: join(dist, "app.js"),
  // Resolved at run time by the import map (see index.html), fetched on first compile.
  external: ["assemblyscript", "assemblyscript/asc", "binaryen", "long"],
  logLevel: "warning",
});

const css = [
  readFileSync(join(modules, "uplot/dist/uPlot.min.css"), "utf8"),
  readFileSync(join(here, "src/style.css"), "utf8"),
].join("\n");
writeFileSync(join(dist, "app.css"), css);

const vendor = {
  "asc.js": "assemblyscript/dist/asc.js",
  "assemblyscript.js": "assemblyscript/dist/assemblyscript.js",
  "binaryen.js": "binaryen/index.js",
  "long.js": "long/index.js",
};
for (const [name, from] of Object.entries(vendor)) copyFileSync(join(modules, from), join(dist, "vendor", name));

copyFileSync(join(here, "src/index.html"), join(dist, "index.html"));

const old = join(here, `dist.old-${process.pid}`);
if (existsSync(final)) renameSync(final, old);
renameSync(dist, final);
rmSync(old, { recursive: true, force: true });
console.log(`web: built ${final}`);
