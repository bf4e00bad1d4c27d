// Lets a child `node` process run the TypeScript sources directly (as jest does, with swc), so
// tests can start the real server entry point without a build step.
const { transformSync } = require("@swc/core");
const fs = require("node:fs");

require.extensions[".ts"] = function compile(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, "utf8"), {
    filename,
    jsc: {
      parser: { syntax: "typescript", decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: "es2022",
    },
    module: { type: "commonjs" },
    sourceMaps: "inline",
  });
  module._compile(code, filename);
};
