/**
 * Schemas of `/lead/`, `/lead/{id}/`, `/contact/` and `/contact/{id}/` (reference §13.4, §13.5).
 */
import { Type, type Static } from 'typebox';
import { NullableString } from './common.js';

const PhoneSchema = Type.Object({ phone: Type.String(), type: Type.Optional(Type.String()) });
const EmailSchema = Type.Object({ email: Type.String(), type: Type.Optional(Type.String()) });

/** `POST /contact/`, `PUT /contact/{id}/` bodies (reference §13.5). */
export const ContactWriteSchema = Type.Object({
  lead_id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  phones: Type.Optional(Type.Array(PhoneSchema)),
  emails: Type.Optional(Type.Array(EmailSchema)),
});
export type ContactWriteBody = Static<typeof ContactWriteSchema>;

/** `POST /lead/`, `PUT /lead/{id}/` bodies (reference §13.4). */
export const LeadWriteSchema = Type.Object({
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  url: Type.Optional(NullableString),
  status_label: Type.Optional(Type.String()),
  contacts: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.Optional(Type.String()),
        title: Type.Optional(Type.String()),
        phones: Type.Optional(Type.Array(PhoneSchema)),
        emails: Type.Optional(Type.Array(EmailSchema)),
      }),
    ),
  ),
});
export type LeadWriteBody = Static<typeof LeadWriteSchema>;

