/** What a member may do: ADMIN holds every resource grant and manages keys and members; SECURITY reads the security views. */
export enum MemberRole {
  ADMIN = "ADMIN",
  SECURITY = "SECURITY",
}
