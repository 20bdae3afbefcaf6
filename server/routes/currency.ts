import { z } from '../zod.js';

const currencyCodes = Intl.supportedValuesOf('currency') as [string, ...string[]];

/** An ISO 4217 alphabetic currency code the runtime knows, e.g. BRL; the document lists them all. */
export const currencyCode = z
  .enum(currencyCodes, { message: 'must be an ISO 4217 currency code such as BRL' })
  .openapi({ example: 'BRL', description: 'ISO 4217 alphabetic code' });
