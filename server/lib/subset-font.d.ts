// subset-font ships no types: the one call the app makes (server/lib/ui-font.ts).
declare module 'subset-font' {
  export default function subsetFont(
    font: Buffer,
    text: string,
    options?: { targetFormat?: 'woff2' | 'woff' | 'truetype' | 'sfnt'; noLayoutClosure?: boolean; dropTables?: string[] },
  ): Promise<Buffer>;
}
