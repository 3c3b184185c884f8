/**
 * The opportunity statuses of an organization (reference §13.2 `opportunity_statuses`):
 * every organization has three, Active, Won and Lost, with ids derived from the
 * organization id (stable, `stat_` + 43 base62 characters). Pure.
 */
import { createHash } from 'node:crypto';

export const STATUS_TYPES = ['active', 'won', 'lost'] as const;

/** An opportunity status of an organization (reference §13.2 `opportunity_statuses`). */
export interface OpportunityStatus {
  id: string;
  label: string;
  type: (typeof STATUS_TYPES)[number];
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The stable status id of `type` in `organizationId`: `stat_` + 43 base62 characters of a SHA-512 of both. */
function statusId(organizationId: string, type: string): string {
  const bytes = createHash('sha512').update(`${organizationId}:opportunity-status:${type}`).digest();
  let out = 'stat_';
  for (let i = 0; i < 43; i++) out += ALPHABET[bytes[i] % 62];
  return out;
}

/** The organization's opportunity statuses: Active, Won, Lost. */
export function opportunityStatuses(organizationId: string): OpportunityStatus[] {
  return [
    { id: statusId(organizationId, 'active'), label: 'Active', type: 'active' },
    { id: statusId(organizationId, 'won'), label: 'Won', type: 'won' },
    { id: statusId(organizationId, 'lost'), label: 'Lost', type: 'lost' },
  ];
}

