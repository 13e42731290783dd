using Finqware.Contracts.Skills;

namespace Finqware.SkillConnectors.SandboxMarketplace;

/// <summary>The steps every marketplace product shares: the applicant's personal data and the identity documents (KYC).</summary>
public static class ApplicantSteps
{
    /// <summary>The last name that sandbox identity verification rejects (case-insensitive).</summary>
    public const string RejectedLastName = "Rejected";

    public const int AdultAge = 18;

    public const long MaxDocumentBytes = 5 * 1024 * 1024;

    public static readonly string[] DocumentKinds = ["id_front", "id_back", "selfie"];

    public static readonly StepManifest PersonalData = new()
    {
        Name = "personal_data",
        Description = "The applicant's identity and contact details. The applicant must be 18 or older (APPLICANT_UNDERAGE); " +
            "sandbox: the last name \"Rejected\" is refused later, at identity verification.",
        DataSchema = StepManifest.Schema("""
            {
              "type": "object",
              "properties": {
                "first_name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "last_name": { "type": "string", "minLength": 1, "maxLength": 100, "description": "Sandbox: \"Rejected\" fails identity verification." },
                "date_of_birth": { "type": "string", "format": "date", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", "description": "YYYY-MM-DD; 18 or older." },
                "national_id": { "type": "string", "pattern": "^[A-Z0-9]{6,20}$", "description": "National identification number." },
                "email": { "type": "string", "format": "email", "maxLength": 254 },
                "phone": { "type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$", "description": "E.164, e.g. +40712345678." },
                "address": { "type": "string", "minLength": 5, "maxLength": 200 },
                "country": { "type": "string", "pattern": "^[A-Z]{2}$", "description": "Country of residence, ISO 3166-1 alpha-2." }
              },
              "required": ["first_name", "last_name", "date_of_birth", "national_id", "email", "phone", "address", "country"],
              "additionalProperties": false,
              "examples": [
                { "first_name": "Ana", "last_name": "Popescu", "date_of_birth": "1990-04-12", "national_id": "2900412400011", "email": "ana.popescu@example.com", "phone": "+40712345678", "address": "Strada Lipscani 10, Bucuresti", "country": "RO" },
                { "first_name": "Ion", "last_name": "Rejected", "date_of_birth": "1985-09-30", "national_id": "1850930400022", "email": "ion.rejected@example.com", "phone": "+40722345678", "address": "Strada Lipscani 12, Bucuresti", "country": "RO" }
              ]
            }
            """),
    };

    public static readonly StepManifest KycDocuments = new()
    {
        Name = "kyc_documents",
        Description = "Identity documents: both sides of the identity document (JPEG, PNG or PDF) and a selfie (JPEG or PNG), " +
            "5 MB each. The step goes to PENDING_VERIFICATION and is decided offline: COMPLETED when approved, " +
            "FAILED with VERIFICATION_REJECTED when not.",
        DataSchema = StepManifest.Schema("""
            {
              "type": "object",
              "properties": {
                "document_type": { "type": "string", "enum": ["id_card", "residence_permit"] },
                "document_number": { "type": "string", "pattern": "^[A-Z0-9]{6,12}$" }
              },
              "required": ["document_type", "document_number"],
              "additionalProperties": false,
              "examples": [ { "document_type": "id_card", "document_number": "RX123456" } ]
            }
            """),
        Uploads =
        [
            new UploadRequirement { Kind = "id_front", ContentTypes = ["image/jpeg", "image/png", "application/pdf"], MaxBytes = MaxDocumentBytes },
            new UploadRequirement { Kind = "id_back", ContentTypes = ["image/jpeg", "image/png", "application/pdf"], MaxBytes = MaxDocumentBytes },
            new UploadRequirement { Kind = "selfie", ContentTypes = ["image/jpeg", "image/png"], MaxBytes = MaxDocumentBytes },
        ],
        Async = true,
    };
}
