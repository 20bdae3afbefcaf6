// Realistic examples for the OpenAPI document: one Brazilian issuer (Acme Pagamentos S.A.), its
// credit program in BRL and one account, the same ids throughout so that examples read as one
// story. Amounts are integers in minor units (centavos). `npm run lint:openapi` checks every
// example against its schema.

export const exampleIds = {
  org: '0b6f3c52-9d4e-4a8b-8f1e-2c7a5d9e4b13',
  testEnvironment: '7e2a9c41-6b3d-4f85-a2c7-5d8e1f4b9a62',
  productionEnvironment: 'a4d81f6c-2e9b-4c73-8b5a-6f1d3e7c2a98',
  apiKey: '2f8d6b1a-7e3c-4d59-9b4a-1c6e8f2d7a39',
  newApiKey: '8b3e5d27-4f1a-4c96-a7d2-e5c9b1f3a684',
  program: 'c3e9a7d2-5f18-4b6a-9e2c-7d1f4a8b3c65',
  otherProgram: 'f5b2d8e1-9c4a-4d37-8e6b-2a7c1f9d4e83',
  account: '6a2d8f41-3b7c-4e95-a1d6-8c4f2e7b9a50',
  parentAccount: 'd9c4e2a7-1f6b-4a58-9d3e-7b2f5c8a1e64',
  childAccount: 'b1f7d3a9-6c2e-4b85-9a4d-3e8c6f1b7d25',
  customer: '9d4b2e7f-1a6c-4f83-b5e9-3c8a7d2f1e46',
  companyCustomer: '3a7f1c9e-5d2b-4e64-8f1a-9c3d7e5b2a18',
  application: 'e7a1c5d9-4b2f-4e68-8a3d-6f9c2b1e7d54',
  reason: '4c7e1a9b-2d5f-4a86-b3e1-9f2d6c8a5b17',
  transaction: '1e6c9a3f-7b2d-4f58-a4e9-8d1c5b7f3a26',
  request: '5f0c6a1e-8d2b-4c7e-9a41-3b7d2e9f6c10',
  run: '0193f2c4-7a1e-7c3b-9d5f-2e8a4b6c1d07',
};

const ids = exampleIds;
const orgRun = `org-onboarding-${ids.org}`;
const visaRun = `network-certification-${ids.org}-visa`;
const workflowLink = (workflowId: string) => ({
  workflowId,
  runId: ids.run,
  uiUrl: `http://localhost:8233/namespaces/default/workflows/${workflowId}/${ids.run}/history`,
  page: `/ui/workflows/${workflowId}`,
});

const address = {
  line1: 'Av. Paulista 1000',
  line2: 'Conjunto 101',
  city: 'São Paulo',
  region: 'SP',
  postalCode: '01310-100',
  country: 'BR',
};
const createOrg = {
  legalName: 'Acme Pagamentos S.A.',
  address,
  timeZone: 'America/Sao_Paulo',
  networks: ['VISA', 'MASTERCARD'],
};
const org = {
  id: ids.org,
  ...createOrg,
  status: 'ONBOARDING',
  createdAt: '2026-03-02T13:05:12.482Z',
  environments: [
    {
      id: ids.testEnvironment,
      kind: 'TEST',
      status: 'READY',
      verifiedAt: '2026-03-02T13:05:19.031Z',
      provisioningError: null,
    },
    {
      id: ids.productionEnvironment,
      kind: 'PRODUCTION',
      status: 'PROVISIONING',
      verifiedAt: null,
      provisioningError: null,
    },
  ],
};
const step = {
  event: 'KICKOFF_HELD',
  from: 'kickoff',
  to: 'testPlan',
  at: '2026-03-04T14:30:00.000Z',
  by: 'operator',
  notes: 'Kickoff call with Visa on 2026-03-04',
  process: 'certification',
  network: 'VISA',
};
const onboarding = {
  orgId: ids.org,
  stage: 'onboarding',
  stages: ['onboarding', 'serviceDesk.granted', 'certification.certifying'],
  done: false,
  processes: [
    { process: 'serviceDesk', stage: 'granted', done: true },
    {
      process: 'certification',
      network: 'VISA',
      stage: 'testPlan',
      done: false,
      workflow: workflowLink(visaRun),
      details: { attempt: 1, deadline: '2026-04-01T13:05:12.482Z' },
    },
  ],
  allowedEvents: [{ type: 'TEST_PLAN_AGREED', network: 'VISA' }],
  waitingFor: ['certification.VISA'],
  history: [step],
  workflow: workflowLink(orgRun),
};
const apiKey = {
  id: ids.apiKey,
  name: 'Card program backend',
  environment: { id: ids.testEnvironment, kind: 'TEST' },
  prefix: 'cie_test_q3Vx8LmT2kPa9RfZ',
  state: 'ACTIVE',
  createdAt: '2026-03-02T13:05:12.482Z',
  lastUsedAt: '2026-03-05T09:12:44.310Z',
  revokedAt: null,
  expiresAt: null,
  replacedBy: null,
};
const account = {
  id: ids.account,
  programId: ids.program,
  currency: 'BRL',
  status: 'NORMAL',
  statusReason: null,
  statusDescription: null,
  statusChangedAt: '2026-03-06T12:00:03.114Z',
  blockedUntil: null,
  balance: -125_090,
  creditLimit: 500_000,
  availableCreditLimit: 374_910,
  availableToSpend: 374_910,
  dueDay: 10,
  parentAccountId: null,
  version: 3,
  allowedTransitions: [
    { event: 'BLOCK', to: 'BLOCKED' },
    { event: 'CANCEL', to: 'CANCELLED' },
  ],
  allowedOperations: { cashIn: true, cashOut: true },
  holder: {
    customerId: ids.customer,
    kind: 'PERSON',
    name: 'Maria da Silva',
    documentNumber: '123.456.789-09',
  },
  createdAt: '2026-03-06T12:00:03.114Z',
  links: { statusPage: `/ui/accounts/${ids.account}` },
};
const customerAddress = { type: 'RESIDENTIAL', ...address };
const contacts = [
  { type: 'EMAIL', value: 'maria.silva@example.com.br' },
  { type: 'PHONE', value: '+55 11 91234-5678' },
];
const person = {
  name: 'Maria da Silva',
  birthDate: '1988-07-14',
  documentNumber: '123.456.789-09',
  addresses: [customerAddress],
  contacts,
};
const company = {
  legalName: 'Padaria Pão Quente Ltda.',
  incorporationDate: '2012-05-21',
  documentNumber: '12.345.678/0001-95',
  addresses: [{ ...customerAddress, type: 'BUSINESS' }],
  contacts: [{ type: 'EMAIL', value: 'financeiro@paoquente.com.br' }],
};
const customer = {
  id: ids.customer,
  kind: 'PERSON',
  name: 'Maria da Silva',
  documentNumber: '123.456.789-09',
  birthDate: '1988-07-14',
  incorporationDate: null,
  addresses: [customerAddress],
  contacts,
  createdAt: '2026-03-06T12:00:03.114Z',
};
const program = {
  id: ids.program,
  name: 'Acme Gold',
  type: 'CREDIT',
  cardNetwork: 'VISA',
  currency: 'BRL',
  dueDays: [5, 10, 15, 20],
  defaultCreditLimit: 500_000,
  maxCreditLimit: 2_000_000,
  dueDayChangeLimit: 2,
  version: 1,
  createdAt: '2026-03-05T10:00:00.000Z',
};
const reason = {
  id: ids.reason,
  code: 'SUSPECTED_FRAUD',
  description: 'Blocked while a suspected fraud is investigated',
  appliesTo: ['BLOCKED', 'CANCELLED'],
  createdAt: '2026-03-05T10:05:00.000Z',
};
const application = {
  id: ids.application,
  status: 'DRAFT',
  programId: ids.program,
  parentAccountId: null,
  applicant: { person },
  additionalCustomers: [],
  accountId: null,
  rejectionReasons: [],
  expiresAt: '2026-04-05T12:00:00.000Z',
  history: [{ event: 'CREATED', at: '2026-03-06T11:58:40.902Z', by: `api-key:${ids.apiKey}` }],
  links: { page: `/ui/workflows/account-application-${ids.application}` },
};
const related = (id: string, parentAccountId: string | null, balance: number) => ({
  id,
  parentAccountId,
  status: 'NORMAL',
  currency: 'BRL',
  balance,
  creditLimit: 500_000,
  availableToSpend: 500_000 + balance,
});

/** Keyed by component name, or by `operationId` for an answer that has none. */
export const examples = {
  Address: address,
  CreateOrg: createOrg,
  UpdateOrg: { timeZone: 'America/Recife' },
  Org: org,
  WorkflowLink: workflowLink(orgRun),
  Onboarding: onboarding,
  OnboardingEvent: { type: 'KICKOFF_HELD', network: 'VISA', notes: 'Kickoff call with Visa' },
  OnboardingEventAnswer: {
    run: 'networkCertification',
    workflow: workflowLink(visaRun),
    state: {
      orgId: ids.org,
      network: 'VISA',
      stage: 'testPlan',
      done: false,
      escalated: false,
      deadline: '2026-04-01T13:05:12.482Z',
      remindersSent: 0,
      allowedEvents: ['TEST_PLAN_AGREED', 'FAILED', 'CANCEL'],
      history: [step],
    },
  },
  CreateApiKey: { environment: 'PRODUCTION', name: 'Card program backend' },
  ApiKey: apiKey,
  OrgListItem: {
    ...org,
    onboardingStages: ['onboarding', 'serviceDesk.granted', 'certification.certifying'],
  },
  AccountApplicationListItem: {
    id: ids.application,
    status: 'SUBMITTED',
    createdAt: '2026-03-06T11:58:40.902Z',
    closedAt: null,
    links: {
      self: `/v1/account-applications/${ids.application}`,
      page: `/ui/workflows/account-application-${ids.application}`,
    },
  },
  StartOrgWorkflow: { type: 'networkCertification', network: 'MASTERCARD' },
  OrgWorkflow: {
    workflowId: orgRun,
    runId: ids.run,
    type: 'orgOnboarding',
    status: 'RUNNING',
    startTime: '2026-03-02T13:05:12.611Z',
    closeTime: null,
    historyLength: 42,
    searchAttributes: { OrgId: [ids.org], Stage: ['onboarding'] },
    queries: ['onboarding'],
    link: workflowLink(orgRun),
  },
  EnvironmentSettings: { statusReasonRequiredFor: ['BLOCKED', 'CANCELLED'] },
  UpdateEnvironmentSettings: { statusReasonRequiredFor: ['BLOCKED', 'CANCELLED'] },
  CreateProgram: {
    name: 'Acme Gold',
    type: 'CREDIT',
    cardNetwork: 'VISA',
    currency: 'BRL',
    dueDays: [5, 10, 15, 20],
    defaultCreditLimit: 500_000,
    maxCreditLimit: 2_000_000,
    dueDayChangeLimit: 2,
  },
  Program: program,
  UpdateProgram: { defaultCreditLimit: 750_000 },
  ProgramChange: {
    id: '7c1e4a9d-3b6f-4d82-a5c8-2e9f1b7d4a36',
    version: 2,
    before: { defaultCreditLimit: 500_000 },
    after: { defaultCreditLimit: 750_000 },
    by: `api-key:${ids.apiKey}`,
    at: '2026-03-07T15:20:00.000Z',
    requestId: ids.request,
  },
  CreateAccountStatusReason: {
    code: 'SUSPECTED_FRAUD',
    description: 'Blocked while a suspected fraud is investigated',
    appliesTo: ['BLOCKED', 'CANCELLED'],
  },
  AccountStatusReason: reason,
  CreateAccount: { programId: ids.program, owner: { person }, dueDay: 10 },
  Account: account,
  CustomerAddress: customerAddress,
  CustomerContact: contacts[0],
  Person: person,
  Company: company,
  CustomerInput: { company },
  Customer: customer,
  AccountStatusChange: {
    status: 'BLOCKED',
    reasonId: ids.reason,
    description: 'Chargeback dispute opened by the holder',
    until: '2026-03-20T03:00:00.000Z',
  },
  AccountStatusRollback: { description: 'Cancelled by mistake at the holder’s request' },
  AccountStatusHistoryEntry: {
    id: '0d5a8c2f-6e1b-4f97-b3a4-9c7e2d5f8a13',
    kind: 'CHANGE',
    from: 'NORMAL',
    to: 'BLOCKED',
    reason: { id: ids.reason, code: 'SUSPECTED_FRAUD' },
    description: 'Chargeback dispute opened by the holder',
    blockedUntil: '2026-03-20T03:00:00.000Z',
    by: `api-key:${ids.apiKey}`,
    at: '2026-03-08T18:41:07.220Z',
    requestId: ids.request,
    version: 4,
  },
  CreateTransaction: { type: 'CASH_IN', amount: 15_000, currency: 'BRL' },
  Transaction: {
    id: ids.transaction,
    accountId: ids.account,
    type: 'CASH_IN',
    amount: 15_000,
    currency: 'BRL',
    balanceAfter: -110_090,
    createdAt: '2026-03-09T10:15:30.500Z',
  },
  RelatedAccount: related(ids.account, null, -125_090),
  AddAccountCustomer: {
    customer: {
      person: {
        ...person,
        name: 'João da Silva',
        documentNumber: '987.654.321-00',
        birthDate: '1990-02-03',
      },
    },
    role: 'ADDITIONAL',
  },
  AccountCustomer: { role: 'HOLDER', customer },
  CreateAccountApplication: { programId: ids.program, applicant: { person } },
  UpdateAccountApplication: { applicant: { person: { ...person, contacts: [contacts[1]] } } },
  AccountApplication: application,
  DailyBalanceLimits: {
    date: '2026-03-08',
    currency: 'BRL',
    programId: ids.program,
    balance: -125_090,
    creditLimit: 500_000,
    availableCreditLimit: 374_910,
    availableToSpend: 374_910,
  },
  AccountLimitsReportFile: {
    date: '2026-03-08',
    fileName: 'account-limits-2026-03-08.csv',
    download: '/v1/reports/account-limits/2026-03-08',
  },
  ProgramMigration: { targetProgramId: ids.otherProgram },
  DueDateChange: { dueDay: 15 },
  AccountEvent: {
    id: '5b9e2d7a-1c4f-4e38-9a6b-7d3f1e8c2b54',
    kind: 'DUE_DAY_CHANGE',
    details: { fromDueDay: 10, toDueDay: 15 },
    by: `api-key:${ids.apiKey}`,
    at: '2026-03-10T16:02:11.875Z',
    requestId: ids.request,
    version: 5,
  },
  Health: {
    status: 'ok',
    checks: { database: { status: 'up', latencyMs: 2 }, temporal: { status: 'up', latencyMs: 4 } },
    checkedAt: '2026-03-09T10:15:30.500Z',
  },
  // Answers that have no component of their own, by operationId
  getHealthDegraded: {
    status: 'degraded',
    checks: {
      database: { status: 'up', latencyMs: 2 },
      temporal: { status: 'down', latencyMs: 2000, error: 'no answer within 2000 ms' },
    },
    checkedAt: '2026-03-09T10:15:30.500Z',
  },
  createOrg: {
    org: {
      ...org,
      environments: [{ ...org.environments[0], status: 'PROVISIONING', verifiedAt: null }],
    },
    apiKey: {
      id: ids.apiKey,
      environmentId: ids.testEnvironment,
      environmentKind: 'TEST',
      token: 'cie_test_q3Vx8LmT2kPa9RfZ_Jd8sKq2WnX4vB7yHc1MzE5tRgU',
    },
    onboarding: workflowLink(orgRun),
  },
  getOrg: { ...org, onboarding },
  createApiKey: {
    id: ids.newApiKey,
    environmentId: ids.productionEnvironment,
    environmentKind: 'PRODUCTION',
    name: 'Card program backend',
    token: 'cie_production_Zt7Qw2Lp9XcV4bNm_r5Hs8Kd3Fj6Ga1Ye0UqWx9PvTn',
  },
  rotateApiKey: {
    apiKey: {
      ...apiKey,
      id: ids.newApiKey,
      prefix: 'cie_test_Nw4Hc8Ty1Bq6Ls3D',
      createdAt: '2026-03-10T09:00:00.000Z',
      lastUsedAt: null,
      token: 'cie_test_Nw4Hc8Ty1Bq6Ls3D_m2Rk7Vx5Pz9Ja4Ue8Gs1Wd6Qf3Tn',
    },
    replaced: {
      ...apiKey,
      state: 'ROTATING',
      expiresAt: '2026-03-11T09:00:00.000Z',
      replacedBy: ids.newApiKey,
    },
  },
  listOrgWorkflows: {
    items: [
      {
        workflowId: orgRun,
        runId: ids.run,
        type: 'orgOnboarding',
        status: 'RUNNING',
        startTime: '2026-03-02T13:05:12.611Z',
        closeTime: null,
        link: workflowLink(orgRun),
      },
    ],
  },
  queryOrgWorkflow: { orgId: ids.org, stage: 'onboarding', done: false },
  setAccountParent: { parentAccountId: ids.parentAccount },
  listRelatedAccounts: {
    account: related(ids.parentAccount, null, -48_000),
    children: [related(ids.account, ids.parentAccount, -125_090)],
    grandchildren: [related(ids.childAccount, ids.account, 0)],
  },
  createTransaction: {
    transaction: {
      id: ids.transaction,
      accountId: ids.account,
      type: 'CASH_IN',
      amount: 15_000,
      currency: 'BRL',
      balanceAfter: -110_090,
      createdAt: '2026-03-09T10:15:30.500Z',
    },
    account: {
      ...account,
      balance: -110_090,
      availableCreditLimit: 389_910,
      availableToSpend: 389_910,
      version: 4,
    },
  },
  listAccountCustomers: { items: [{ role: 'HOLDER', customer }] },
  listCustomerAccounts: {
    items: [{ accountId: ids.account, role: 'HOLDER', status: 'NORMAL', programId: ids.program }],
  },
  listDailyBalanceLimits: {
    startDate: '2026-03-08',
    endDate: '2026-03-08',
    items: [
      {
        date: '2026-03-08',
        currency: 'BRL',
        programId: ids.program,
        balance: -125_090,
        creditLimit: 500_000,
        availableCreditLimit: 374_910,
        availableToSpend: 374_910,
      },
    ],
    pagination: { page: 1, perPage: 20, totalItems: 1, totalPages: 1 },
  },
  listAccountLimitsReports: {
    items: [
      {
        date: '2026-03-08',
        fileName: 'account-limits-2026-03-08.csv',
        download: '/v1/reports/account-limits/2026-03-08',
      },
    ],
  },
  getAccountLimitsReport:
    'date,account_id,program_id,currency,balance,credit_limit,available_credit_limit,available_to_spend\n' +
    `2026-03-08,${ids.account},${ids.program},BRL,-125090,500000,374910,374910\n`,
  migrateAccountProgram: {
    migration: { changed: true, fromProgramId: ids.program, toProgramId: ids.otherProgram },
    account: { ...account, programId: ids.otherProgram, version: 4 },
  },
} as const;
