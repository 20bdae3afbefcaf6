export const TEMPLATE_DATABASE = 'template_migrated';

/** An org as the tests create it: what POST /v1/orgs takes. */
export const sampleOrg = {
  legalName: 'Acme Pagamentos S.A.',
  address: {
    line1: 'Av. Paulista 1000',
    city: 'São Paulo',
    region: 'SP',
    postalCode: '01310-100',
    country: 'BR',
  },
  timeZone: 'America/Sao_Paulo',
  networks: ['VISA', 'MASTERCARD'],
};
