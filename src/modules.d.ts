declare module "*.sql" {
  const text: string;
  export default text;
}

declare module "unix-crypt-td-js" {
  /** Traditional DES crypt(3): two characters of salt, then eleven of hash. */
  export default function unixCrypt(password: string, salt: string): string;
}
