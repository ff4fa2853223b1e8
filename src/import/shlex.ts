// A command line split as Python's shlex.split (POSIX mode) splits it, which is how supervisord
// turns `command` into argv (no shell): words separated by whitespace, '…' literal, "…" with
// \\ \" \$ \` escapes, a backslash outside quotes escaping the next character. null: an
// unterminated quote.
export function shlexSplit(text: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return null;
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let out = "";
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length && '\\"$`'.includes(text[j + 1] as string)) j++;
        out += text[j];
      }
      if (j >= text.length) return null;
      word = (word ?? "") + out;
      i = j;
    } else if (c === "\\") {
      word = (word ?? "") + (text[i + 1] ?? "");
      i++;
    } else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return words;
}
