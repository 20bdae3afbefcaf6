export { orgOnboarding } from './org-onboarding.js';
