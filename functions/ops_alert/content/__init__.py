"""The words of an alert: support case and communication text, e-mail subject and body (SPEC §4.4, §9).

The case is written for the AWS support engineer ("our model"), the e-mail for the SRE team
("your model"). Both carry the same facts, rendered by the same section builders so they can never
disagree, and both are put together by one mechanism (:func:`layout.assemble`) that keeps a text
within its limit (the Support API's 8,000 characters for a case or communication).

- ``model``: the facts decided for one alert (:class:`AlertContext`) and what the support step did
  (:class:`CaseOutcome`); the rest of the package only reads them;
- ``layout``: formatters, :class:`Section` and :func:`assemble`, the one assembly with length control;
- ``facts``: the sections both texts carry, worded for their audience;
- ``case``: case subject, case body, appended communication;
- ``email``: e-mail subject and body, and the e-mail for an unidentified alarm.
"""
