// The HID report descriptor of a FIDO security key (CTAP 2.1 section 11.2.8.1): usage page 0xF1D0, usage
// CTAPHID (1), one 64-byte input report and one 64-byte output report, no report IDs. Browsers and libfido2 find
// a key by this usage page.
export const FIDO_REPORT_DESCRIPTOR = Uint8Array.of(
  0x06,
  0xd0,
  0xf1, // Usage Page (FIDO Alliance)
  0x09,
  0x01, //       Usage (CTAPHID)
  0xa1,
  0x01, //       Collection (Application)
  0x09,
  0x20, //         Usage (Data In)
  0x15,
  0x00, //         Logical Minimum (0)
  0x26,
  0xff,
  0x00, //   Logical Maximum (255)
  0x75,
  0x08, //         Report Size (8)
  0x95,
  0x40, //         Report Count (64)
  0x81,
  0x02, //         Input (Data, Variable, Absolute)
  0x09,
  0x21, //         Usage (Data Out)
  0x15,
  0x00, //         Logical Minimum (0)
  0x26,
  0xff,
  0x00, //   Logical Maximum (255)
  0x75,
  0x08, //         Report Size (8)
  0x95,
  0x40, //         Report Count (64)
  0x91,
  0x02, //         Output (Data, Variable, Absolute)
  0xc0, //             End Collection
);

/** pid.codes' Precursor: the IDs the original's vaultbackup-rs looks for. */
export const PRECURSOR_VENDOR_ID = 0x1209;
export const PRECURSOR_PRODUCT_ID = 0x3613;
