#include "RedriveDialog.h"

#include "Confirm.h"
#include "GroupActions.h"
#include "Palette.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace streamscope {

namespace {

enum Column { IdColumn, ToColumn, FieldsColumn, WhyNotColumn, ColumnCount };
constexpr int LetterIndexRole = Qt::UserRole;

// The first `shown` fields, name=value, each value on one line.
QString fieldsText(const QList<QByteArray> &fields, int shown = 6) {
    QStringList parts;
    for (qsizetype i = 0; i + 1 < fields.size() && parts.size() < shown; i += 2)
        parts << valueformat::singleLine(fields.at(i), 40) + QLatin1Char('=')
                     + valueformat::singleLine(fields.at(i + 1), 60);
    if (fields.size() / 2 > parts.size())
        parts << QStringLiteral("…");
    return parts.join(shown > 6 ? QStringLiteral("\n") : QStringLiteral("  "));
}

// The core's sentences start in lower case (they are also parts of CLI lines).
QString sentence(QString text) {
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

// "12 letters to order-events", "15 letters to 2 streams"
QString destination(const RedriveLetterList &letters) {
    QSet<QByteArray> origins;
    for (const RedriveLetter &l : letters)
        origins.insert(l.origin);
    const QString count = countOf(letters.size(), "letter", "letters");
    return origins.size() == 1
               ? QStringLiteral("%1 to %2").arg(count, valueformat::displayText(*origins.begin()))
               : QStringLiteral("%1 to %2")
                     .arg(count, countOf(origins.size(), "stream", "streams"));
}

} // namespace

RedriveDialog::RedriveDialog(GroupActionsWorker *worker, QByteArray dlq, bool readOnly,
                             QWidget *parent)
    : QDialog(parent)
    , m_worker(worker)
    , m_dlq(std::move(dlq))
    , m_readOnly(readOnly)
    , m_target(new QLineEdit)
    , m_summary(new QLabel)
    , m_list(new QTreeWidget)
    , m_all(new QRadioButton)
    , m_selected(new QRadioButton)
    , m_reason(new QLabel)
    , m_outcome(new QLabel)
    , m_refresh(new QPushButton(tr("Preview again")))
    , m_redrive(new QPushButton(tr("Redrive"))) {
    const QString name = valueformat::displayText(m_dlq);
    setWindowTitle(tr("Redrive dead letters of %1").arg(name));
    confirm = [this](const QString &question, const QString &action) {
        return confirmAction(this, windowTitle(), question, action, false);
    };
    auto *intro = new QLabel(
        tr("Sends each letter of %1 back to the stream it came from (its dlq.stream field, or "
           "the stream given below) with its original fields and without the dlq.* ones, then "
           "deletes it from %1. Each letter is sent at most once, even if this is interrupted.")
            .arg(name));
    intro->setWordWrap(true);
    m_target->setObjectName(QStringLiteral("redriveTarget"));
    m_target->setPlaceholderText(tr("each letter's dlq.stream field"));
    m_summary->setObjectName(QStringLiteral("redrivePreview"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setText(tr("Reading the letters…"));
    m_list->setObjectName(QStringLiteral("redriveLetters"));
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({tr("Letter"), tr("Goes to"), tr("Original fields"), tr("Why not")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_all->setObjectName(QStringLiteral("redriveAll"));
    m_selected->setObjectName(QStringLiteral("redriveSelected"));
    m_all->setChecked(true);
    m_reason->setObjectName(QStringLiteral("redriveReason"));
    m_reason->setWordWrap(true);
    m_reason->setStyleSheet(toneStyle(Tone::Warning));
    m_outcome->setObjectName(QStringLiteral("redriveOutcome"));
    m_outcome->setWordWrap(true);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_redrive->setObjectName(QStringLiteral("redriveButton"));

    auto *form = new QFormLayout;
    form->addRow(tr("Send every letter to:"), m_target);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_refresh, QDialogButtonBox::ActionRole);
    buttons->addButton(m_redrive, QDialogButtonBox::ApplyRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_refresh, &QPushButton::clicked, this, &RedriveDialog::preview);
    connect(m_redrive, &QPushButton::clicked, this, &RedriveDialog::redriveChosen);
    connect(m_target, &QLineEdit::editingFinished, this, [this] {
        if (m_target->text().trimmed().toUtf8() != m_previewedTarget)
            preview();
    });
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, [this] {
        if (!m_list->selectedItems().isEmpty())
            m_selected->setChecked(true);
        updateButton();
    });
    connect(m_all, &QRadioButton::toggled, this, &RedriveDialog::updateButton);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_summary);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_all);
    layout->addWidget(m_selected);
    layout->addWidget(m_reason);
    layout->addWidget(m_outcome);
    layout->addWidget(buttons);
    resize(760, 480);
    updateButton();
    preview();
}

void RedriveDialog::preview() {
    const int request = ++m_request;
    m_summary->setText(tr("Reading the letters…"));
    m_preview.reset();
    updateButton();
    if (!m_worker) {
        showPreview({}, tr("Not connected."));
        return;
    }
    RedriveRequest r;
    r.dlq = m_dlq;
    r.to = m_target->text().trimmed().toUtf8();
    m_previewedTarget = r.to;
    r.all = true;
    r.targetHint = tr("enter a stream to send it to");
    QPointer<RedriveDialog> self(this);
    m_worker->post([self, request, r](RedisClient *connection, const QString &error) {
        Result<RedrivePreview> result =
            connection ? previewRedrive(*connection, r)
                       : Result<RedrivePreview>(Error(Error::Kind::Connect, error));
        RedrivePreview p = result.ok() ? result.value() : RedrivePreview();
        const QString why = result.ok() ? QString() : result.error().message;
        // Answered on the GUI thread, by value; the dialog may be gone by then.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, request, p, why] {
                if (self && request == self->m_request)
                    self->showPreview(p, why);
            },
            Qt::QueuedConnection);
    });
}

void RedriveDialog::showPreview(const RedrivePreview &preview, const QString &error) {
    m_list->clear();
    if (!error.isEmpty()) {
        m_preview.reset();
        m_summary->setText(tr("Could not read the letters: %1").arg(error));
        m_summary->setStyleSheet(toneStyle(Tone::Critical));
        updateButton();
        Q_EMIT previewed(error);
        return;
    }
    m_preview = preview;
    m_summary->setStyleSheet({});
    QString text = preview.letters.isEmpty()
                       ? tr("%1 holds no letters.").arg(valueformat::displayText(m_dlq))
                       : sentence(preview.summary()) + QLatin1Char('.');
    for (const QByteArray &origin : preview.newOrigins)
        text += tr("\n%1 does not exist yet: the first letter creates it.")
                    .arg(valueformat::displayText(origin));
    m_summary->setText(text);
    QList<QTreeWidgetItem *> items;
    items.reserve(preview.letters.size());
    const QColor muted = toneColour(Tone::Muted, palette());
    for (qsizetype i = 0; i < preview.letters.size(); ++i) {
        const RedriveLetter &l = preview.letters.at(i);
        auto *item = new QTreeWidgetItem(QStringList{
            l.id.toString(), valueformat::displayText(l.origin), fieldsText(l.fields), l.problem});
        item->setData(IdColumn, LetterIndexRole, qlonglong(i));
        item->setToolTip(FieldsColumn, fieldsText(l.fields, 40));
        item->setToolTip(WhyNotColumn, l.problem);
        if (!l.canRedrive()) {
            item->setFlags(item->flags() & ~Qt::ItemIsSelectable);
            for (int c = 0; c < ColumnCount; ++c)
                item->setForeground(c, muted);
        }
        items << item;
    }
    m_list->addTopLevelItems(items);
    m_list->resizeColumnToContents(IdColumn);
    m_list->resizeColumnToContents(ToColumn);
    // The original fields get most of the room; "Why not" takes the rest.
    m_list->setColumnWidth(FieldsColumn, qMax(200, m_list->viewport()->width() / 2));
    m_all->setChecked(true);
    updateButton();
    Q_EMIT previewed({});
}

RedriveLetterList RedriveDialog::chosen() const {
    RedriveLetterList out;
    if (!m_preview)
        return out;
    if (m_all->isChecked()) {
        for (const RedriveLetter &l : m_preview->letters)
            if (l.canRedrive())
                out << l;
        return out;
    }
    QList<qsizetype> rows;
    for (const QTreeWidgetItem *item : m_list->selectedItems())
        rows << item->data(IdColumn, LetterIndexRole).toLongLong();
    std::sort(rows.begin(), rows.end());
    for (const qsizetype row : rows)
        if (m_preview->letters.at(row).canRedrive())
            out << m_preview->letters.at(row);
    return out;
}

void RedriveDialog::updateButton() {
    const RedriveLetterList letters = chosen();
    qsizetype redrivable = 0;
    if (m_preview)
        redrivable = m_preview->redrivable();
    m_all->setText(
        redrivable == 0
            ? tr("All letters that can be redriven (none)")
            : tr("All %1 that can be redriven").arg(countOf(redrivable, "letter", "letters")));
    m_selected->setText(
        tr("Only the selected letters (%1)").arg(formatCount(m_list->selectedItems().size())));
    m_redrive->setText(letters.isEmpty() ? tr("Redrive")
                                         : tr("Redrive %1").arg(destination(letters)));
    const QString reason = redriveDisabledReason();
    m_redrive->setEnabled(reason.isEmpty());
    m_redrive->setToolTip(reason);
    const bool refused = m_readOnly || !m_forbidden.isEmpty();
    m_reason->setText(refused ? reason : QString());
    m_reason->setVisible(refused);
    m_refresh->setEnabled(!m_busy);
    m_target->setEnabled(!m_busy);
}

QString RedriveDialog::redriveDisabledReason() const {
    if (m_readOnly)
        return tr("Read-only mode: redriving adds the letters to their streams and deletes them "
                  "from %1. Turn read-only mode off to redrive; the preview works as it is.")
            .arg(valueformat::displayText(m_dlq));
    if (!m_forbidden.isEmpty())
        return m_forbidden;
    if (m_busy)
        return tr("A redrive is under way.");
    if (!m_preview)
        return tr("No preview yet.");
    if (chosen().isEmpty())
        return m_all->isChecked() ? tr("No letter can be redriven.") : tr("Select letters first.");
    return {};
}

bool RedriveDialog::canRedrive() const {
    return redriveDisabledReason().isEmpty();
}

void RedriveDialog::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    updateButton();
}

void RedriveDialog::setForbidden(const QString &reason) {
    m_forbidden = reason;
    updateButton();
}

QString RedriveDialog::previewText() const {
    return m_summary->text();
}

QString RedriveDialog::outcomeText() const {
    return m_outcome->text();
}

QString RedriveDialog::redriveButtonText() const {
    return m_redrive->text();
}

void RedriveDialog::redriveChosen() {
    if (!canRedrive() || !m_worker)
        return;
    RedrivePreview subset = *m_preview;
    subset.letters = chosen();
    const QString action = tr("Redrive %1").arg(destination(subset.letters));
    const QString question = tr("%1 will be added back to %2 with new IDs and deleted from %3.")
                                 .arg(countOf(subset.letters.size(), "letter", "letters"),
                                      subset.perOrigin().size() == 1
                                          ? valueformat::displayText(subset.letters.first().origin)
                                          : tr("the streams they came from"),
                                      valueformat::displayText(m_dlq));
    if (!confirm(question, action))
        return;
    m_busy = true;
    m_outcome->setStyleSheet({});
    m_outcome->setText(
        tr("Redriving %1…").arg(countOf(subset.letters.size(), "letter", "letters")));
    updateButton();
    QPointer<RedriveDialog> self(this);
    m_worker->post([self, subset](RedisClient *connection, const QString &error) {
        Result<RedriveOutcome> result =
            connection ? redrive(*connection, subset)
                       : Result<RedriveOutcome>(Error(Error::Kind::Connect, error));
        RedriveOutcome o = result.ok() ? result.value() : RedriveOutcome();
        const QString why = result.ok() ? QString() : result.error().message;
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, o, why] {
                if (self)
                    self->showOutcome(o, why);
            },
            Qt::QueuedConnection);
    });
}

void RedriveDialog::showOutcome(const RedriveOutcome &outcome, const QString &error) {
    m_busy = false;
    const bool ok = error.isEmpty() && !outcome.error;
    const QString text = !error.isEmpty() ? tr("Nothing was redriven: %1").arg(error)
                                          : sentence(outcome.summary()) + QLatin1Char('.');
    m_outcome->setText(text);
    m_outcome->setStyleSheet(ok ? toneStyle(Tone::Ok) : toneStyle(Tone::Critical));
    Q_EMIT redriven(ok, text);
    preview(); // what is left in the dead-letter stream now
}

} // namespace streamscope
