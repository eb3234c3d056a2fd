/**
 * The four categories of democratic performance and their factors, as published in
 * International IDEA's Global State of Democracy framework.
 */
export interface Factor {
  id: string; // `${category}.${factor}`
  name: string;
}

export interface Category {
  id: CategoryId;
  name: string;
  factors: readonly Factor[];
}

export const categoryIds = ['representation', 'rights', 'rule_of_law', 'participation'] as const;
export type CategoryId = (typeof categoryIds)[number];

function category(id: CategoryId, name: string, factors: Record<string, string>): Category {
  return {
    id,
    name,
    factors: Object.entries(factors).map(([key, factorName]) => ({ id: `${id}.${key}`, name: factorName })),
  };
}

export const categories: readonly Category[] = [
  category('representation', 'Representation', {
    credible_elections: 'Credible Elections',
    inclusive_suffrage: 'Inclusive Suffrage',
    free_political_parties: 'Free Political Parties',
    elected_government: 'Elected Government',
    effective_parliament: 'Effective Parliament',
    local_democracy: 'Local Democracy',
  }),
  category('rights', 'Rights', {
    access_to_justice: 'Access to Justice',
    civil_liberties: 'Civil Liberties',
    basic_welfare: 'Basic Welfare',
    political_equality: 'Political Equality',
  }),
  category('rule_of_law', 'Rule of Law', {
    judicial_independence: 'Judicial Independence',
    absence_of_corruption: 'Absence of Corruption',
    predictable_enforcement: 'Predictable Enforcement',
    personal_integrity_and_security: 'Personal Integrity and Security',
  }),
  category('participation', 'Participation', {
    civil_society: 'Civil Society',
    civic_engagement: 'Civic Engagement',
    electoral_participation: 'Electoral Participation',
  }),
];

const factorIds = new Set(categories.flatMap((c) => c.factors.map((f) => f.id)));

export function isCategoryId(id: string): id is CategoryId {
  return (categoryIds as readonly string[]).includes(id);
}

export function isFactorId(id: string): boolean {
  return factorIds.has(id);
}

/** The category a factor id belongs to: `rights.civil_liberties` -> `rights`. */
export function categoryOfFactor(factorId: string): CategoryId | undefined {
  const prefix = factorId.split('.')[0] ?? '';
  return isFactorId(factorId) && isCategoryId(prefix) ? prefix : undefined;
}
