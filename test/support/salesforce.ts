/** An outbound message as the WSDL Salesforce generates for Opportunity describes it. */
export function outboundMessage(notifications: Array<{ id: string; fields: Record<string, string> }>, organizationId = '00D5e000000KQ2eEAG') {
  const records = notifications
    .map(({ id, fields }) => `<Notification><Id>${id}</Id><sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${Object.entries(fields).map(([k, v]) => `<sf:${k}>${v}</sf:${k}>`).join('')}</sObject></Notification>`)
    .join('');
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${organizationId}</OrganizationId>
   <ActionId>04k5e000000CaRkAAK</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/60.0/00D5e000000KQ2e</EnterpriseUrl>
   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/60.0/00D5e000000KQ2e</PartnerUrl>
   ${records}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`);
}
