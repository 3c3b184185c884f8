/**
 * Response schemas of `/lead/`, `/contact/` and `/opportunity/` (reference §13.4-§13.6):
 * `crm/leads.ts`, `crm/contacts.ts` and `crm/opportunities.ts` serialize them.
 */
import { Type, type Static } from 'typebox';
import { AnyObject, Closed, CountedListOf, DateTime, ListOf, NullableDateTime, NullableInteger, NullableText } from './response.js';
import { TaskResponse } from './task-response.js';

/** A contact's phone, stored E.164 with its international format (reference §13.5). */
const ContactPhone = Closed({ phone: Type.String(), phone_formatted: Type.String(), type: Type.String(), country: NullableText }, { $id: 'ContactPhone' });
const ContactEmail = Closed({ email: Type.String(), type: Type.String(), is_unsubscribed: Type.Boolean() }, { $id: 'ContactEmail' });

/** A contact (reference §13.5). */
export const ContactResponse = Closed(
  {
    created_by: NullableText,
    date_created: DateTime,
    date_updated: DateTime,
    display_name: Type.String(),
    emails: Type.Array(ContactEmail),
    id: Type.String({ description: 'cont_...' }),
    lead_id: Type.String(),
    name: Type.String(),
    organization_id: Type.String(),
    phones: Type.Array(ContactPhone),
    title: Type.String(),
    updated_by: NullableText,
    urls: Type.Array(AnyObject),
  },
  { $id: 'Contact' },
);
export type Contact = Static<typeof ContactResponse>;

/** `GET /contact/`. */
export const ContactListResponse = ListOf(ContactResponse);

/** An opportunity (reference §13.6); money in minor units (cents). */
export const OpportunityResponse = Closed(
  {
    annualized_expected_value: NullableInteger,
    annualized_value: NullableInteger,
    attachments: Type.Array(AnyObject),
    confidence: Type.Integer(),
    contact_id: NullableText,
    contact_name: NullableText,
    created_by: NullableText,
    created_by_name: NullableText,
    date_created: DateTime,
    date_lost: NullableDateTime,
    date_updated: DateTime,
    date_won: Type.Union([Type.String({ description: 'YYYY-MM-DD' }), Type.Null()]),
    expected_value: NullableInteger,
    id: Type.String({ description: 'oppo_...' }),
    lead_id: Type.String(),
    lead_name: NullableText,
    note: Type.String(),
    organization_id: Type.String(),
    status_display_name: Type.String(),
    status_id: Type.String(),
    status_label: Type.String(),
    status_type: Type.Union([Type.Literal('active'), Type.Literal('won'), Type.Literal('lost')]),
    updated_by: NullableText,
    updated_by_name: NullableText,
    user_id: NullableText,
    user_name: NullableText,
    value: NullableInteger,
    value_currency: Type.String(),
    value_formatted: NullableText,
    value_period: Type.Union([Type.Literal('one_time'), Type.Literal('monthly'), Type.Literal('annual')]),
  },
  { $id: 'Opportunity' },
);
export type Opportunity = Static<typeof OpportunityResponse>;

/** `GET /opportunity/`: a page with `total_results` (reference §13.6). */
export const OpportunityListResponse = CountedListOf(OpportunityResponse);

/** A lead, with its contacts, open tasks and opportunities embedded (reference §13.4). */
export const LeadResponse = Closed(
  {
    contacts: Type.Array(ContactResponse),
    created_by: NullableText,
    custom: AnyObject,
    date_created: DateTime,
    date_updated: DateTime,
    description: Type.String(),
    display_name: Type.String(),
    html_url: NullableText,
    id: Type.String({ description: 'lead_...' }),
    name: Type.String(),
    opportunities: Type.Array(OpportunityResponse),
    organization_id: Type.String(),
    status_id: NullableText,
    status_label: Type.String(),
    tasks: Type.Array(TaskResponse),
    updated_by: NullableText,
    url: NullableText,
  },
  { $id: 'Lead' },
);
export type Lead = Static<typeof LeadResponse>;

/** `GET /lead/`: a page with `total_results` (reference §13.4). */
export const LeadListResponse = CountedListOf(LeadResponse);
