/**
 * GoDispatch's top-level `permissions:` shares its name with Postoffice's but not its shape:
 * a list of the permission names a token's `perms` claim may carry, or (as its config.yaml
 * ends) no value at all. A file's list is read as Postoffice's `permissions: {names: [...]}`,
 * and a key with no value as nothing, so that GoDispatch's file loads unchanged; Postoffice's
 * own mapping is left as it is. Only here: elsewhere a key without a value is a mistake the
 * schema reports, not a default silently kept.
 */
export function readGoDispatchForms(file: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(file, "permissions")) return file;
  const { permissions, ...rest } = file;
  if (permissions === null) return rest;
  if (Array.isArray(permissions)) return { ...rest, permissions: { names: permissions } };
  return file;
}
