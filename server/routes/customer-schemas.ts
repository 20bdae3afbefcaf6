import { DOCUMENT_NUMBER } from '../../common/customers.js';
import { namedShapesMessage, text, z } from '../zod.js';
import { examples } from '../openapi-examples.js';

// Request and response shapes for customers, shared by accounts, customers and applications.

const documentNumber = z
  .string()
  .trim()
  .regex(DOCUMENT_NUMBER, 'must be 3-32 letters, digits, dots, slashes or hyphens');
const isoDate = z.iso.date({ message: 'must be a date as YYYY-MM-DD' });

const addressSchema = z
  .strictObject({
    type: z.enum(['RESIDENTIAL', 'BUSINESS', 'MAILING']),
    line1: text(200),
    line2: text(200).optional(),
    city: text(100),
    region: text(100).optional(),
    postalCode: text(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as BR'),
  })
  .openapi('CustomerAddress', { example: examples.CustomerAddress });

const contactSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('EMAIL'),
      value: z.email({ message: 'is not a valid email address' }).max(200),
    }),
    z.strictObject({
      type: z.literal('PHONE'),
      value: z
        .string()
        .regex(
          /^\+?[0-9 ()-]{6,20}$/,
          'is not a valid phone number: 6-20 digits, spaces, ( ) - and a leading +',
        ),
    }),
  ])
  .openapi('CustomerContact', { example: examples.CustomerContact });

const details = {
  documentNumber,
  addresses: z.array(addressSchema).max(10).optional(),
  contacts: z.array(contactSchema).max(10).optional(),
};

const personSchema = z
  .strictObject({ name: text(200), birthDate: isoDate.optional(), ...details })
  .openapi('Person', { example: examples.Person });
const companySchema = z
  .strictObject({ legalName: text(200), incorporationDate: isoDate.optional(), ...details })
  .openapi('Company', { example: examples.Company });

/** Exactly one of person or company. */
export const customerInputSchema = z
  .union([z.strictObject({ person: personSchema }), z.strictObject({ company: companySchema })], {
    error: namedShapesMessage({ person: personSchema, company: companySchema }),
  })
  .openapi('CustomerInput', {
    example: examples.CustomerInput,
    description: 'Exactly one of person or company',
  });

export const customerSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['PERSON', 'COMPANY']),
    name: z.string(),
    documentNumber: z.string(),
    birthDate: z.iso.date().nullable(),
    incorporationDate: z.iso.date().nullable(),
    addresses: z.array(addressSchema),
    contacts: z.array(contactSchema),
    createdAt: z.iso.datetime(),
  })
  .openapi('Customer', { example: examples.Customer });

export function customerView(customer: {
  id: string;
  kind: 'PERSON' | 'COMPANY';
  name: string;
  documentNumber: string;
  birthDate: Date | null;
  incorporationDate: Date | null;
  addresses: unknown;
  contacts: unknown;
  createdAt: Date;
}) {
  return {
    id: customer.id,
    kind: customer.kind,
    name: customer.name,
    documentNumber: customer.documentNumber,
    birthDate: customer.birthDate?.toISOString().slice(0, 10) ?? null,
    incorporationDate: customer.incorporationDate?.toISOString().slice(0, 10) ?? null,
    addresses: customer.addresses,
    contacts: customer.contacts,
    createdAt: customer.createdAt.toISOString(),
  };
}
