// Tags as a person types them in the app ("a, b c"), before core lowercases and checks them.

/** Tags typed as "a, b c" → ["a", "b c"]; empty parts dropped. */
export function parseTags(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
