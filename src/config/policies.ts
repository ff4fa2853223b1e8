// The restart policies, declared once: the config's schema, the API's `tend set` body (and its
// hand-written check, which must not load zod) and the CLI read them from here.
export const RESTART_POLICIES = ["always", "on-failure", "never"] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];
export const RESTART_POLICY_HINT = 'expected "always", "on-failure" or "never"';
