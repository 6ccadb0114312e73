// Writes the artifacts the Rust crate embeds (ABI + creation and runtime bytecode, Foundry's
// JSON shape) from forge's out/ into the directory given as argv[2].
// PoseidonGoldilocks dispatches in assembly, so its ABI is its interface's (and errors').
"use strict";
const fs = require("fs");
const path = require("path");
const outDir = path.resolve(__dirname, "..", "out");
const dest = process.argv[2];
const read = (file, name) => JSON.parse(fs.readFileSync(path.join(outDir, file, name + ".json"), "utf8"));
const wanted = [
  { name: "Rollup", file: "Rollup.sol" },
  { name: "PoseidonGoldilocks", file: "PoseidonGoldilocks.sol", abiFrom: ["IPoseidonGoldilocks", "IPoseidonGoldilocksErrors"] },
  { name: "TestUSDC", file: "TestUSDC.sol" },
  { name: "Groth16Verifier", file: "Groth16Verifier.sol", optional: true },
  { name: "IVerifier", file: "IVerifier.sol" },
];
fs.mkdirSync(dest, { recursive: true });
for (const w of wanted) {
  if (!fs.existsSync(path.join(outDir, w.file, w.name + ".json"))) {
    if (w.optional) continue;
    throw new Error("missing artifact " + w.file + ":" + w.name);
  }
  const a = read(w.file, w.name);
  const abi = w.abiFrom ? w.abiFrom.flatMap((n) => read(w.file, n).abi) : a.abi;
  const art = { abi, bytecode: { object: a.bytecode.object }, deployedBytecode: { object: a.deployedBytecode.object } };
  fs.writeFileSync(path.join(dest, w.name + ".json"), JSON.stringify(art, null, 1) + "\n");
}
