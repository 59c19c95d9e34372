/**
 * The three JSON samples of the ORMB hold-request page (seeds/002), copied
 * verbatim: repeated keys, trailing and missing commas, and the no-break
 * spaces (U+00A0) the page indents them with. The tests send them as they
 * are; the API reference can show them as examples. Do not reformat this
 * file: test/ormb-lenient-json.test.ts checks each sample's SHA-256 against
 * the seed's.
 */

export const SEED_UPDATE_REQUEST = `{
    "UpdateHoldRequest":
    {
        "sourceSystem": "SMALL_NSC_PRIME",
        "externalTransactionId": "ETI22",
        "externalSourceId": "ESI99",
        "holdRequestId": "10000252262623",
        "holdComments": "Update the fields based on the request ID",
        "holdEndDate": "2022-01-31",
        "entityId": "0122334455",
        "entityEndDate": "2022-01-25",
        "holdProcessData":
        {
            "holdProcess": "BILL",
            "holdProcessEndDate": "2022-01-23"
        }
        "holdProcessData":
        {
            "holdProcess": "FNDG",
            "holdProcessEndDate": "2022-01-23"
        },
        "characteristics":
        {
            "action": "Update",
            "characteristicType": "INVOICE_TYPE",
            "characteristicValue": "CMR",
            "effectiveDate": "2022-01-01"
        },
        "characteristics":
        {
            "action": "Delete",
            "characteristicType": "INVOICE_HOLD_REASON",
            "characteristicValue": "CMDP",
            "effectiveDate": "2022-01-01"
        },
    }
 }`;

export const SEED_UPDATE_RESPONSE_SUCCESS = `{
    "UpdateHoldRequest":
    {
        "requestProcessStatus": "Success"
        "sourceSystem": "SMALL_NSC_PRIME",
        "externalTransactionId": "ETI22",
        "externalSourceId": "ESI99",
        "holdRequestId": "10000252262623",
        "holdComments": "Update the fields based on the request ID",
        "holdEndDate": "2022-01-31",
        "entityId": "0122334455",
        "entityEndDate": "2022-01-25",
        "holdProcessData":
        {
            "holdProcess": "BILL",
            "holdProcessEndDate": "2022-01-23"
        }
        "holdProcessData":
        {
            "holdProcess": "FNDG",
            "holdProcessEndDate": "2022-01-23"
        },
        "characteristics":
        {
            "action": "Update",
            "characteristicType": "INVOICE_TYPE",
            "characteristicValue": "CMR",
            "effectiveDate": "2022-01-01"
        },
    }
}    `;

export const SEED_UPDATE_RESPONSE_FAILURE = `{
    "UpdateHoldRequest":
    {
        "requestProcessStatus": "Failure"
        "sourceSystem": "SMALL_NSC_PRIME",
        "externalTransactionId": "ETI22",
        "externalSourceId": "ESI99",
        "holdRequestId": "10101252262623",
        "holdComments": "Update the fields based on the request ID",
        "holdEndDate": "2022-01-31",
        "entityId": "1133224455",
        "entityEndDate": "2022-01-25",
        "holdProcessData":
        {
            "holdProcess": "ATPY",
            "holdProcessEndDate": "2022-01-25"
        }
        "characteristics":
        {
            "action": "Update",
            "characteristicType": "STATE_OF_ISSUE",
            "characteristicValue": "TX",
            "effectiveDate": "2022-01-01"
        },
        "errormsg": "The hold request is not in the active status."
    }
}   `;
