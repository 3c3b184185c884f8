/**
 * Schemas of `/lead/`, `/lead/{id}/`, `/contact/` and `/contact/{id}/` (reference §13.4, §13.5).
 */
import { Type, type Static } from 'typebox';
import { NullableString } from './common.js';

const PhoneSchema = Type.Object({ phone: Type.String({ maxLength: 1_000 }), type: Type.Optional(Type.String({ maxLength: 1_000 })) });
const EmailSchema = Type.Object({ email: Type.String({ maxLength: 1_000 }), type: Type.Optional(Type.String({ maxLength: 1_000 })) });

/** `POST /contact/`, `PUT /contact/{id}/` bodies (reference §13.5). */
export const ContactWriteSchema = Type.Object({
  lead_id: Type.Optional(Type.String({ maxLength: 1_000 })),
  name: Type.Optional(Type.String({ maxLength: 1_000 })),
  title: Type.Optional(Type.String({ maxLength: 1_000 })),
  phones: Type.Optional(Type.Array(PhoneSchema)),
  emails: Type.Optional(Type.Array(EmailSchema)),
});
export type ContactWriteBody = Static<typeof ContactWriteSchema>;

/** `POST /lead/`, `PUT /lead/{id}/` bodies (reference §13.4). */
export const LeadWriteSchema = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 1_000 })),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  url: Type.Optional(NullableString),
  status_label: Type.Optional(Type.String({ maxLength: 1_000 })),
  contacts: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.Optional(Type.String({ maxLength: 1_000 })),
        title: Type.Optional(Type.String({ maxLength: 1_000 })),
        phones: Type.Optional(Type.Array(PhoneSchema)),
        emails: Type.Optional(Type.Array(EmailSchema)),
      }),
    ),
  ),
});
export type LeadWriteBody = Static<typeof LeadWriteSchema>;

