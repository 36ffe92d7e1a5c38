import type { Config } from "../config/schema.js";

export type Role = "admin" | "reader" | "stranger";

/** acl.admins may do everything; acl.readers may list, read, status and subscribe. */
export function createAcl(acl: Config["acl"]) {
  const admins = new Set(acl.admins.map((j) => j.toLowerCase()));
  const readers = new Set(acl.readers.map((j) => j.toLowerCase()));
  return {
    role(bareJid: string): Role {
      const jid = bareJid.split("/")[0]!.toLowerCase();
      if (admins.has(jid)) return "admin";
      if (readers.has(jid)) return "reader";
      return "stranger";
    },
    /** Everyone who may subscribe to nodes (whitelist members). */
    members(): string[] {
      return [...new Set([...admins, ...readers])];
    },
  };
}

export type AclHandle = ReturnType<typeof createAcl>;
