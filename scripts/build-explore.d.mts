/** The explorer page's files by name: index.html, explore.js, explore.css. */
export function bundleExplorePage(): Promise<Record<string, string>>;
