/** Style sheets are bundled by esbuild (build-ide.ts), not loaded by TypeScript. */
declare module "*.css";
