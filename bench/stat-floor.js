// The least a Node program does to tell that no file of a tree changed: list every folder and lstat every file
// (size, mtime, ctime, inode), synchronously, doing nothing else. `bench/audit.ts` times it beside
// `find DIR -printf '%s %T@\n'`, which makes the same syscalls from C.
//   node bench/stat-floor.js DIR
import {lstatSync, readdirSync} from 'node:fs'

let files = 0
function walk(folder) {
  for (const entry of readdirSync(folder, {withFileTypes: true})) {
    const file = `${folder}/${entry.name}`
    if (entry.isDirectory()) walk(file)
    else if (lstatSync(file).isFile()) files++
  }
}
walk(process.argv[2])
console.log(files)
