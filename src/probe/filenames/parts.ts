// Pieces shared by the file-name patterns.

/** Audio extensions a PBX writes (Asterisk's formats, plus what archives transcode to); match with the `i` flag. */
export const AUDIO_EXT = String.raw`(?:wav|gsm|mp3|ogg|opus|oga|flac|m4a|aac|amr|sln\d*|ulaw|alaw|g72[29])`

/** The folders of a key and its file name. */
export function splitPath(key: string): {folders: string[]; name: string} {
  const parts = key.split('/')
  return {folders: parts.slice(0, -1), name: parts.at(-1)!}
}
