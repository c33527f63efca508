// The AssemblyScript compiler's diagnostics (its stderr text) as a list of
// {severity, code, message, line, column}, so the code page can show each
// one at its line. A diagnostic looks like:
//   ERROR TS2304: Cannot find name 'tickz'.
//       :
//    53 │ ++tickz;
//       │   ~~~~~
//       └─ in module.ts(53,5)
const HEAD = /^(ERROR|WARNING|INFO)(?: (\w+))?: (.*)$/;
const WHERE = /in [^\s(]+\((\d+),(\d+)\)/;

export function parseDiagnostics(text) {
  const diagnostics = [];
  let current = null;
  for (const raw of String(text).split(/\r?\n/)) {
    const line = raw.replace(/\u001b\[[0-9;]*m/g, ""); // colours, should the compiler use them
    const head = HEAD.exec(line.trim());
    if (head) {
      current = { severity: head[1].toLowerCase(), code: head[2] || "", message: head[3], line: null, column: null };
      diagnostics.push(current);
      continue;
    }
    const where = WHERE.exec(line);
    if (where && current && current.line === null) {
      current.line = Number(where[1]);
      current.column = Number(where[2]);
    }
  }
  return diagnostics;
}
