/** XEP-0147 roster action: `xmpp:agent@localhost?roster;name=greenhouse-pi` adds the agent as a contact. */
export function rosterUri(jid: string, name: string): string {
  return `xmpp:${jid}?roster;name=${encodeURIComponent(name)}`;
}
