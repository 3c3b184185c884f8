/**
 * Response schemas of `/me/`, `/user/`, `/organization/{id}/` and `/api_key/{key}/`
 * (reference §13.1-§13.3; D35): `crm/accounts.ts` serializes them.
 */
import { Type, type Static } from 'typebox';
import { Closed, DateTime, ListOf, NullableText } from './response.js';

const userFields = {
  date_created: DateTime,
  date_updated: DateTime,
  email: Type.String(),
  first_name: NullableText,
  id: Type.String({ description: 'user_...' }),
  image: Type.String({ description: 'Gravatar URL of the email' }),
  last_name: NullableText,
  last_used_timezone: NullableText,
};

/** A user; `organizations` holds the ids of their organizations (reference §13.1). */
export const UserResponse = Closed({ ...userFields, organizations: Type.Array(Type.String()) }, { $id: 'User' });
export type User = Static<typeof UserResponse>;

/** `GET /user/`. */
export const UserListResponse = ListOf(UserResponse);

/** An organization's own fields (reference §13.2). */
export const OrganizationSummary = Closed(
  {
    currency: Type.String(),
    currency_symbol: Type.String(),
    date_created: DateTime,
    date_updated: DateTime,
    id: Type.String({ description: 'orga_...' }),
    name: Type.String(),
  },
  { $id: 'OrganizationSummary' },
);

/** `GET /me/`: the caller, with their organizations in full. */
export const MeResponse = Closed({ ...userFields, organizations: Type.Array(OrganizationSummary) }, { $id: 'Me' });
export type Me = Static<typeof MeResponse>;

/** A membership of a user in an organization (reference §13.3). */
export const Membership = Closed(
  {
    id: Type.String(),
    organization_id: Type.String(),
    role_id: Type.String(),
    user_email: Type.String(),
    user_first_name: NullableText,
    user_full_name: Type.String(),
    user_id: Type.String(),
    user_last_name: NullableText,
  },
  { $id: 'Membership' },
);

/** An opportunity status: Active, Won or Lost (reference §13.2). */
export const OpportunityStatus = Closed(
  { id: Type.String(), label: Type.String(), type: Type.Union([Type.Literal('active'), Type.Literal('won'), Type.Literal('lost')]) },
  { $id: 'OpportunityStatus' },
);

/** `GET /organization/{id}/`: active and inactive (D35) memberships, opportunity statuses. */
export const OrganizationResponse = Closed(
  {
    ...OrganizationSummary.properties,
    inactive_memberships: Type.Array(Membership),
    memberships: Type.Array(Membership),
    opportunity_statuses: Type.Array(OpportunityStatus),
  },
  { $id: 'Organization' },
);
export type Organization = Static<typeof OrganizationResponse>;

/** `GET /api_key/{key}/` (D35): the caller's own key; the secret is never shown. */
export const ApiKeyResponse = Closed(
  { date_created: DateTime, id: Type.String(), organization_id: Type.String(), user_id: Type.String() },
  { $id: 'ApiKey' },
);
