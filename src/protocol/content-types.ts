/** The media types of the replies clients read; every JSON and S-expression reply says its charset. */
export const JSON_TYPE = "application/json; charset=utf-8";
export const SEXPR_TYPE = "application/x-sexpr; charset=utf-8";
export const TEXT_TYPE = "text/plain; charset=utf-8";
