// Customer shapes shared by the application machine, the services and the HTTP schemas.

/** A well-formed document id (CPF, CNPJ, passport number...): 3-32 letters, digits, dots, slashes, hyphens. */
export const DOCUMENT_NUMBER = /^[A-Za-z0-9][A-Za-z0-9./-]{2,31}$/;

export interface Address {
  type: 'RESIDENTIAL' | 'BUSINESS' | 'MAILING';
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
}

interface Contact {
  type: 'EMAIL' | 'PHONE';
  value: string;
}

export interface CustomerDetails {
  documentNumber: string;
  addresses?: Address[];
  contacts?: Contact[];
}

/** A person or a company, never both. */
export type CustomerInput =
  | { person: CustomerDetails & { name: string; birthDate?: string } }
  | { company: CustomerDetails & { legalName: string; incorporationDate?: string } };
