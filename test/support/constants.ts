export const TEMPLATE_DATABASE = 'template_migrated';
