"""Seeds a fresh Tryton 6.0 database for pleo-erp-sync's tests and demo (run by setup.sh).

Company in EUR (USD and GBP with rates), a minimal chart whose codes match the sandbox ERP's chart, the sandbox's tax codes
(reverse-charge taxes book in and out), fiscal years 2025-2027 with monthly periods, a general
journal for Pleo's journal entries, one invoice payment method per account money leaves from, and
analytic accounts for the tags the tests use.
"""
import datetime
import sys
from decimal import Decimal

from proteus import Model, Wizard, config

conf_file, database = sys.argv[1], sys.argv[2]
config.set_trytond(database=database, config_file=conf_file)

from trytond.modules.account.tests.tools import create_fiscalyear  # noqa: E402
from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences  # noqa: E402
from trytond.modules.company.tests.tools import create_company, get_company  # noqa: E402
from trytond.modules.currency.tests.tools import get_currency  # noqa: E402

Party = Model.get('party.party')
create_company(party=Party(name='Pleo Demo GmbH'), currency=get_currency('EUR'))
company = get_company()

# Rates per 1 EUR (the company currency), from 2025: Tryton books a USD or GBP wallet's expenses in
# EUR at these rates, and keeps the foreign amount of an expense spent abroad beside the EUR lines.
# The test helper gave EUR a rate of 2 from the year 1: it is 1 here, like every rate per company currency.
CurrencyRate = Model.get('currency.currency.rate')
for rate in CurrencyRate.find([('currency.code', '=', 'EUR')]):
    rate.rate = Decimal('1')
    rate.save()
for code, name, symbol, rate in [('USD', 'U.S. Dollar', '$', '1.080000'), ('GBP', 'Pound Sterling', '£', '0.850000')]:
    currency = get_currency(code)
    currency.name, currency.symbol = name, symbol
    currency.save()
    for old_rate in CurrencyRate.find([('currency', '=', currency.id)]):
        old_rate.delete()
    CurrencyRate(currency=currency, date=datetime.date(2025, 1, 1), rate=Decimal(rate)).save()

for year in (2025, 2026, 2027):
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company, datetime.date(year, 1, 1)))
    fiscalyear.click('create_period')

AccountType = Model.get('account.account.type')


def account_type(name, statement, **flags):
    t = AccountType(name=name, statement=statement, company=company, **flags)
    t.save()
    return t


asset = account_type('Current assets', 'balance', assets=True)
liability = account_type('Liabilities', 'balance')
payable = account_type('Payable', 'balance', payable=True)
expense = account_type('Expenses', 'income', expense=True)

Account = Model.get('account.account')
accounts = {}


def account(code, name, kind, **flags):
    a = Account(code=code, name=name, type=kind, company=company, **flags)
    a.save()
    accounts[code] = a


account('1910', 'Pleo wallet', asset)
account('2400', 'Accounts payable', payable, reconcile=True, party_required=True)
account('2610', 'Input VAT', asset)
account('2620', 'Output VAT (reverse charge)', liability)
account('2890', 'Employee out-of-pocket', liability)
account('2990', 'Pleo contra / clearing', liability)
for code, name in [
        ('4000', 'Cost of goods'), ('6100', 'Office supplies'), ('6110', 'Furniture and equipment'),
        ('6300', 'Software and subscriptions'), ('6540', 'IT and hosting'), ('6800', 'Marketing'),
        ('7000', 'Travel'), ('7010', 'Mileage'), ('7020', 'Per diem'),
        ('7100', 'Meals and entertainment'), ('7900', 'Bank fees'), ('8000', 'Other expenses')]:
    account(code, name, expense)

AccountConfiguration = Model.get('account.configuration')
account_config = AccountConfiguration(1)
account_config.default_account_payable = accounts['2400']
account_config.save()

Tax = Model.get('account.tax')


def tax(name, description, rate, account_code, **extra):
    t = Tax(name=name, description=description, type='percentage', rate=Decimal(rate), company=company,
            invoice_account=accounts[account_code], credit_note_account=accounts[account_code], **extra)
    return t


for name, description, rate in [('S25', 'Standard 25 %', '0.25'), ('S20', 'Standard 20 %', '0.20'),
                                 ('S19', 'Standard 19 %', '0.19'), ('R7', 'Reduced 7 %', '0.07'),
                                 ('Z0', 'Zero rated', '0'), ('E0', 'Exempt', '0')]:
    tax(name, description, rate, '2610').save()
for name, description, rate in [('RC25', 'EU reverse charge 25 %', '0.25'), ('RC19', 'EU reverse charge 19 %', '0.19')]:
    # Self-assessed: input tax in, output tax out; nothing is paid to the supplier.
    parent = Tax(name=name, description=description, type='none', company=company)
    parent.childs.append(tax(f'{name} in', f'{description}, input', rate, '2610'))
    parent.childs.append(tax(f'{name} out', f'{description}, output', f'-{rate}', '2620'))
    parent.save()

Sequence = Model.get('ir.sequence')
SequenceType = Model.get('ir.sequence.type')
journal_sequence_type, = SequenceType.find([('name', '=', 'Account Journal')])
Journal = Model.get('account.journal')
pleo_journal = Journal(name='Pleo', code='PLEO', type='general')
journal_sequence = Sequence(name='Pleo', sequence_type=journal_sequence_type, company=company)
journal_sequence.save()
pleo_journal.sequence = journal_sequence
pleo_journal.save()
cash_journal, = Journal.find([('code', '=', 'CASH')])

PaymentMethod = Model.get('account.invoice.payment.method')
for code in ('1910', '2890', '2990'):
    method = PaymentMethod(name=f'Pleo {accounts[code].name} ({code})', company=company, journal=cash_journal,
                           credit_account=accounts[code], debit_account=accounts[code])
    method.save()

AnalyticAccount = Model.get('analytic_account.account')
for root_code, root_name, values in [('DEPT', 'Department', [('SALES', 'Sales'), ('OPS', 'Operations')]),
                                     ('PROJ', 'Project', [('P-7', 'Project 7'), ('P-8', 'Project 8')])]:
    root = AnalyticAccount(name=root_name, code=root_code, type='root', company=company)
    root.save()
    for code, name in values:
        AnalyticAccount(name=name, code=code, type='normal', root=root, parent=root, company=company).save()

print('seeded', database)
