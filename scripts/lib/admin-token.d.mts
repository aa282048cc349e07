/** The admin token: CHATON_ADMIN_TOKEN, or ADMIN_TOKEN in the working directory's .dev.vars. */
export declare function adminToken(): string | undefined;
