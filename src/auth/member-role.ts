/** The two member roles. What each may run is declared on the schema (`@members`); their resource grants are `grantsOfRole`'s. */
export enum MemberRole {
  ADMIN = "ADMIN",
  SECURITY = "SECURITY",
}
