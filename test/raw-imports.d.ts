/** Files read as text by Vite's `?raw` suffix (the tests read README.md this way). */
declare module "*?raw" {
  const text: string;
  export default text;
}
