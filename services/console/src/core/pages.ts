/** The console's pages, in the order of its navigation; the browser gets the list with the session. */
export const PAGES = [
  { id: 'management', title: 'Management', about: 'Digital share of sales, revenue online and in stores by day, growing and shrinking segments, best and worst product groups' },
  { id: 'marketing', title: 'Marketing', about: 'Campaign funnel from session to order, partner-segment reach' },
  { id: 'ecommerce', title: 'E-commerce', about: 'Zero-result searches, checkout funnel and abandonment, products viewed but not bought' },
  { id: 'it', title: 'IT', about: 'Page-load times, device, OS and browser mix, ingest health: accepted, dead-lettered, lag' },
  { id: 'stores', title: 'Stores', about: 'Footfall, visitors and passers-by, capture rate, conversion, dwell, zone heat by hour, for a store and day' },
  { id: 'customers', title: 'Customers', about: 'Find a person by any identifier: profile, cross-channel timeline, recommendations, why identifiers are one person' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];
