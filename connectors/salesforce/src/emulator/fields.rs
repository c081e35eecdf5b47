//! Field definitions for the emulated objects, mirroring what `describe` reports.

use super::schema::ExternalIdConfig;

/// Salesforce field types the emulated objects use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldType {
    Id,
    Reference,
    String,
    TextArea,
    Email,
    Phone,
    Url,
    Picklist,
    Boolean,
    DateTime,
    Currency,
    Int,
    Address,
}

impl FieldType {
    /// The `type` value in describe results.
    pub(crate) fn describe_name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Reference => "reference",
            Self::String => "string",
            Self::TextArea => "textarea",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Url => "url",
            Self::Picklist => "picklist",
            Self::Boolean => "boolean",
            Self::DateTime => "datetime",
            Self::Currency => "currency",
            Self::Int => "int",
            Self::Address => "address",
        }
    }

    /// The `soapType` value in describe results (also used in type error messages).
    pub(crate) fn soap_type(self) -> &'static str {
        match self {
            Self::Id | Self::Reference => "tns:ID",
            Self::Boolean => "xsd:boolean",
            Self::DateTime => "xsd:dateTime",
            Self::Currency => "xsd:double",
            Self::Int => "xsd:int",
            Self::Address => "urn:address",
            _ => "xsd:string",
        }
    }

    /// Whether values are stored as text.
    pub(crate) fn is_text(self) -> bool {
        !matches!(
            self,
            Self::Boolean | Self::DateTime | Self::Currency | Self::Int | Self::Address
        )
    }

    /// The type name SOQL error messages use (`dateTime`, `boolean`, `string`, ...).
    pub(crate) fn soql_name(self) -> &'static str {
        match self {
            Self::Id | Self::Reference => "id",
            Self::Boolean => "boolean",
            Self::DateTime => "dateTime",
            Self::Currency => "currency",
            Self::Int => "int",
            Self::Address => "address",
            _ => "string",
        }
    }
}

/// Fields whose value is derived from other fields rather than stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Computed {
    /// `Name` on Lead and Contact: "FirstName LastName".
    FullName,
    /// An address compound field; the payload is the component prefix (`""`, `Mailing`, ...).
    Address(&'static str),
}

/// One field as `describe` reports it, plus the save rules the emulator enforces.
#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub name: String,
    pub label: String,
    pub ftype: FieldType,
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub external_id: bool,
    pub id_lookup: bool,
    pub unique: bool,
    pub custom: bool,
    /// Must be present (non-null) when a record is created, and can never be cleared.
    pub required: bool,
    pub defaulted_on_create: bool,
    pub compound_field_name: Option<&'static str>,
    pub computed: Option<Computed>,
    pub picklist: &'static [&'static str],
    pub default_value: Option<&'static str>,
    pub reference_to: Option<&'static str>,
}

fn f(name: &str, label: &str, ftype: FieldType, length: u32) -> FieldDef {
    FieldDef {
        name: name.to_string(),
        label: label.to_string(),
        ftype,
        length,
        nillable: true,
        createable: true,
        updateable: true,
        external_id: false,
        id_lookup: false,
        unique: false,
        custom: false,
        required: false,
        defaulted_on_create: false,
        compound_field_name: None,
        computed: None,
        picklist: &[],
        default_value: None,
        reference_to: None,
    }
}

impl FieldDef {
    fn read_only(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self
    }
    fn system(mut self) -> Self {
        self = self.read_only();
        self.nillable = false;
        self.defaulted_on_create = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self.nillable = false;
        self
    }
    fn compound(mut self, parent: &'static str) -> Self {
        self.compound_field_name = Some(parent);
        self
    }
    fn flag(mut self) -> Self {
        self.nillable = false;
        self.defaulted_on_create = true;
        self
    }
    fn picklist(mut self, values: &'static [&'static str], default: Option<&'static str>) -> Self {
        self.picklist = values;
        self.default_value = default;
        self.defaulted_on_create = default.is_some();
        self
    }
    fn refers(mut self, to: &'static str) -> Self {
        self.reference_to = Some(to);
        self
    }
}

const LEAD_STATUS: &[&str] = &[
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
];
const LEAD_SOURCE: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
];
const INDUSTRY: &[&str] = &[
    "Agriculture",
    "Banking",
    "Construction",
    "Education",
    "Energy",
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Telecommunications",
    "Other",
];
const ACCOUNT_TYPE: &[&str] = &[
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Partner",
];
const SALUTATION: &[&str] = &["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."];

/// Fields every object starts with.
fn head() -> Vec<FieldDef> {
    use FieldType as T;
    let mut id = f("Id", "Record ID", T::Id, 18).system();
    id.id_lookup = true;
    vec![id, f("IsDeleted", "Deleted", T::Boolean, 0).system()]
}

/// System audit fields, owner and the external id field.
fn tail(ext: &ExternalIdConfig) -> Vec<FieldDef> {
    use FieldType as T;
    let mut owner = f("OwnerId", "Owner ID", T::Reference, 18).refers("User");
    owner.nillable = false;
    owner.defaulted_on_create = true;
    let mut ext_field = f(&ext.field, "Crmsync Id", T::String, 64);
    ext_field.external_id = true;
    ext_field.id_lookup = true;
    ext_field.custom = true;
    ext_field.unique = ext.unique;
    vec![
        owner,
        f("CreatedDate", "Created Date", T::DateTime, 0).system(),
        f("CreatedById", "Created By ID", T::Reference, 18)
            .system()
            .refers("User"),
        f("LastModifiedDate", "Last Modified Date", T::DateTime, 0).system(),
        f("LastModifiedById", "Last Modified By ID", T::Reference, 18)
            .system()
            .refers("User"),
        f("SystemModstamp", "System Modstamp", T::DateTime, 0).system(),
        ext_field,
    ]
}

/// Address components plus the compound field itself.
fn address(prefix: &'static str, compound: &'static str, label: &str) -> Vec<FieldDef> {
    use FieldType as T;
    let part = |suffix: &str, part_label: &str, ftype: T, len: u32| {
        let name = format!("{prefix}{suffix}");
        f(&name, format!("{label} {part_label}").trim(), ftype, len).compound(compound)
    };
    let mut whole = f(
        compound,
        if label.is_empty() { "Address" } else { label },
        T::Address,
        0,
    )
    .read_only();
    whole.computed = Some(Computed::Address(prefix));
    vec![
        part("Street", "Street", T::TextArea, 255),
        part("City", "City", T::String, 40),
        part("State", "State/Province", T::String, 80),
        part("PostalCode", "Zip/Postal Code", T::String, 20),
        part("Country", "Country", T::String, 80),
        whole,
    ]
}

fn person_name() -> Vec<FieldDef> {
    use FieldType as T;
    let mut name = f("Name", "Full Name", T::String, 121).read_only();
    name.computed = Some(Computed::FullName);
    vec![
        f("LastName", "Last Name", T::String, 80)
            .required()
            .compound("Name"),
        f("FirstName", "First Name", T::String, 40).compound("Name"),
        f("Salutation", "Salutation", T::Picklist, 40)
            .compound("Name")
            .picklist(SALUTATION, None),
        name,
    ]
}

/// Lead's fields.
pub(crate) fn lead_fields(ext: &ExternalIdConfig) -> Vec<FieldDef> {
    use FieldType as T;
    let mut out = head();
    out.extend(person_name());
    out.push(f("Title", "Title", T::String, 128));
    out.push(f("Company", "Company", T::String, 255).required());
    out.extend(address("", "Address", ""));
    out.extend([
        f("Phone", "Phone", T::Phone, 40),
        f("MobilePhone", "Mobile Phone", T::Phone, 40),
        f("Email", "Email", T::Email, 80),
        f("Website", "Website", T::Url, 255),
        f("Description", "Description", T::TextArea, 32000),
        f("LeadSource", "Lead Source", T::Picklist, 255).picklist(LEAD_SOURCE, None),
        f("Status", "Status", T::Picklist, 255)
            .picklist(LEAD_STATUS, Some("Open - Not Contacted"))
            .required(),
        f("Industry", "Industry", T::Picklist, 255).picklist(INDUSTRY, None),
        f("AnnualRevenue", "Annual Revenue", T::Currency, 0),
        f("NumberOfEmployees", "Employees", T::Int, 0),
        f("HasOptedOutOfEmail", "Email Opt Out", T::Boolean, 0).flag(),
        f("DoNotCall", "Do Not Call", T::Boolean, 0).flag(),
        f("IsConverted", "Converted", T::Boolean, 0).system(),
    ]);
    out.extend(tail(ext));
    out
}

/// Contact's or Account's fields.
pub(crate) fn other_fields(object: &str, ext: &ExternalIdConfig) -> Vec<FieldDef> {
    use FieldType as T;
    let mut out = head();
    if object == "Contact" {
        out.push(f("AccountId", "Account ID", T::Reference, 18).refers("Account"));
        out.extend(person_name());
        out.extend(address("Mailing", "MailingAddress", "Mailing"));
        out.extend([
            f("Phone", "Business Phone", T::Phone, 40),
            f("MobilePhone", "Mobile Phone", T::Phone, 40),
            f("Email", "Email", T::Email, 80),
            f("Title", "Title", T::String, 128),
            f("Department", "Department", T::String, 80),
            f("LeadSource", "Lead Source", T::Picklist, 255).picklist(LEAD_SOURCE, None),
            f("Description", "Contact Description", T::TextArea, 32000),
            f("HasOptedOutOfEmail", "Email Opt Out", T::Boolean, 0).flag(),
            f("DoNotCall", "Do Not Call", T::Boolean, 0).flag(),
        ]);
    } else {
        out.push(f("Name", "Account Name", T::String, 255).required());
        out.push(f("Type", "Account Type", T::Picklist, 255).picklist(ACCOUNT_TYPE, None));
        out.extend(address("Billing", "BillingAddress", "Billing"));
        out.extend([
            f("Phone", "Account Phone", T::Phone, 40),
            f("Website", "Website", T::Url, 255),
            f("Industry", "Industry", T::Picklist, 255).picklist(INDUSTRY, None),
            f("AnnualRevenue", "Annual Revenue", T::Currency, 0),
            f("NumberOfEmployees", "Employees", T::Int, 0),
            f("Description", "Account Description", T::TextArea, 32000),
        ]);
    }
    out.extend(tail(ext));
    out
}
