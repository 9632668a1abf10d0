/** The sudo password a run set for the admin it creates: in memory only, for this process. */
export interface SetPassword {
  user: string;
  password: string;
}

/**
 * What the operator's answers set: the admin's password, asked only for an admin without one (admin-user
 * then sets exactly this), under the admin name answered now or already known. Undefined: none was set.
 */
export function passwordSet(given: Record<string, unknown>, known: Record<string, unknown>): SetPassword | undefined {
  const user = given.admin_user ?? known.admin_user;
  return typeof given.admin_password === 'string' && typeof user === 'string'
    ? {user, password: given.admin_password}
    : undefined;
}

/** The password sudo wants for `user`, when it is the one this run set; undefined: ask. */
export function knownSudoPassword(set: SetPassword | undefined, user: string): string | undefined {
  return set?.user === user ? set.password : undefined;
}
