#include "PublishView.h"

#include "Palette.h"
#include "Wording.h"

#include "GroupActions.h"

#include "StreamEntry.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace streamscope {

namespace {
QString invalidStyle() {
    return QStringLiteral("border: 1px solid %1;").arg(toneColour(Tone::Critical).name());
}
const QBrush invalidBrush(QColor(198, 40, 40, 60));
} // namespace

PublishView::PublishView(QWidget *parent)
    : QWidget(parent) {
    buildUi();
    reloadTemplates();
    updateEnabled();
}

PublishView::~PublishView() {
    stop();
}

void PublishView::buildUi() {
    m_template = new QComboBox;
    m_template->setToolTip(tr("Fill the form from a template: the shipped order.created and "
                              "payment.completed, or your own"));
    auto *saveTemplate = new QPushButton(tr("Save as template..."));
    connect(m_template, &QComboBox::activated, this, [this](int index) {
        if (index > 0 && index <= m_templates.size())
            loadTemplate(m_templates.at(index - 1));
    });
    connect(saveTemplate, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Save template"), tr("Template name:"),
                                                   QLineEdit::Normal, {}, &ok);
        if (ok && !name.trimmed().isEmpty())
            this->saveTemplate(name.trimmed());
    });

    m_stream = new QComboBox;
    m_stream->setEditable(true);
    m_stream->setInsertPolicy(QComboBox::NoInsert);
    m_stream->setToolTip(tr("An existing stream, or a new name: XADD creates it"));
    m_stream->lineEdit()->setPlaceholderText(tr("stream name"));

    m_fields = new QTableWidget(0, 2);
    m_fields->setObjectName(QStringLiteral("publishFields"));
    m_fields->setHorizontalHeaderLabels({tr("Field"), tr("Value")});
    m_fields->horizontalHeader()->setStretchLastSection(true);
    m_fields->verticalHeader()->setDefaultSectionSize(m_fields->fontMetrics().height() + 8);
    m_fields->setColumnWidth(0, 160);
    m_fields->setRowCount(1); // one row to start typing in
    m_fields->setToolTip(tr("Values may hold placeholders filled at send time: %1")
                             .arg(Placeholders::names().join(QStringLiteral(", "))));
    auto *addRow = new QPushButton(tr("Add field"));
    auto *removeRow = new QPushButton(tr("Remove field"));
    connect(addRow, &QPushButton::clicked, this, [this] {
        m_fields->insertRow(m_fields->rowCount());
        m_fields->setCurrentCell(m_fields->rowCount() - 1, 0);
        m_fields->editItem(m_fields->item(m_fields->rowCount() - 1, 0));
    });
    connect(removeRow, &QPushButton::clicked, this, [this] {
        if (m_fields->currentRow() >= 0)
            m_fields->removeRow(m_fields->currentRow());
    });
    auto *rowButtons = new QHBoxLayout;
    rowButtons->addWidget(addRow);
    rowButtons->addWidget(removeRow);
    rowButtons->addStretch(1);
    auto *fieldsPage = new QWidget;
    auto *fieldsLayout = new QVBoxLayout(fieldsPage);
    fieldsLayout->setContentsMargins(0, 0, 0, 0);
    fieldsLayout->addWidget(m_fields, 1);
    fieldsLayout->addLayout(rowButtons);

    m_json = new QPlainTextEdit;
    m_json->setPlaceholderText(QStringLiteral("{\"type\": \"order.created\", \"orderId\": "
                                              "\"{{seq}}\", \"amount\": 1299}"));
    m_json->setToolTip(tr("A JSON object: each member becomes a field, in order; strings as they "
                          "are, other values as compact JSON"));
    m_fieldTabs = new QTabWidget;
    m_fieldTabs->addTab(fieldsPage, tr("Fields"));
    m_fieldTabs->addTab(m_json, tr("Paste JSON"));

    m_id = new QLineEdit;
    m_id->setPlaceholderText(tr("* (the server chooses)"));
    m_id->setToolTip(tr("An explicit ID <ms>-<seq> or <ms>-*; it must be greater than the "
                        "stream's last ID. Repeats after the first let the server choose."));
    m_trim = new QComboBox;
    m_trim->addItems({tr("No trimming"), QStringLiteral("MAXLEN"), QStringLiteral("MINID")});
    m_trimValue = new QLineEdit;
    m_trimValue->setPlaceholderText(tr("entries to keep, or the oldest ID to keep"));
    m_approximate = new QCheckBox(tr("~ approximate (cheaper)"));
    m_approximate->setChecked(true);
    auto *trimRow = new QHBoxLayout;
    trimRow->addWidget(m_trim);
    trimRow->addWidget(m_trimValue, 1);
    trimRow->addWidget(m_approximate);
    connect(m_trim, &QComboBox::currentIndexChanged, this, &PublishView::updateEnabled);

    m_count = new QSpinBox;
    m_count->setRange(1, 10'000'000);
    m_count->setToolTip(tr("How many entries to send; {{seq}} counts them 1, 2, ..."));
    m_rate = new QDoubleSpinBox;
    m_rate->setRange(0, 1'000'000);
    m_rate->setDecimals(1);
    m_rate->setValue(10);
    m_rate->setSuffix(tr(" /s"));
    m_rate->setSpecialValueText(tr("as fast as possible"));
    m_rate->setToolTip(tr("Entries per second when sending more than one"));
    auto *repeatRow = new QHBoxLayout;
    repeatRow->addWidget(m_count);
    repeatRow->addWidget(new QLabel(tr("entries at")));
    repeatRow->addWidget(m_rate);
    repeatRow->addStretch(1);

    auto *templateRow = new QHBoxLayout;
    templateRow->addWidget(m_template, 1);
    templateRow->addWidget(saveTemplate);

    auto *form = new QFormLayout;
    form->addRow(tr("Template"), templateRow);
    form->addRow(tr("Stream"), m_stream);
    form->addRow(tr("Entry ID"), m_id);
    form->addRow(tr("Trim"), trimRow);
    form->addRow(tr("Send"), repeatRow);

    m_send = new QPushButton(tr("Publish"));
    m_send->setDefault(true);
    m_send->setToolTip(tr("Append the entry (Ctrl+Enter)"));
    m_stop = new QPushButton(tr("Stop"));
    m_progress = new QProgressBar;
    m_progress->setFormat(tr("%v of %m"));
    connect(m_send, &QPushButton::clicked, this, &PublishView::send);
    connect(m_stop, &QPushButton::clicked, this, &PublishView::stop);
    for (auto key :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto *shortcut = new QShortcut(key, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, [this] {
            if (m_send->isEnabled())
                send();
        });
    }
    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_send);
    sendRow->addWidget(m_stop);
    sendRow->addWidget(m_progress, 1);

    m_problemsLabel = new QLabel;
    m_problemsLabel->setObjectName(QStringLiteral("publishProblems"));
    m_problemsLabel->setWordWrap(true);
    m_problemsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result = new QLabel;
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_readOnlyNote = new QLabel;
    m_readOnlyNote->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_readOnlyNote);
    layout->addLayout(form);
    layout->addWidget(m_fieldTabs, 1);
    layout->addWidget(m_problemsLabel);
    layout->addLayout(sendRow);
    layout->addWidget(m_result);
}

void PublishView::setConnection(const std::optional<ConnectionSettings> &settings) {
    stop();
    m_settings = settings;
    updateEnabled();
}

void PublishView::setReadOnly(bool) {
    // The mode itself is the connection's switch (readOnlyNow): only the form follows it here.
    updateEnabled();
}

void PublishView::setPermissions(const Permissions &permissions) {
    m_permissions = permissions;
    updateEnabled();
}

void PublishView::updateEnabled() {
    const bool connected = m_settings.has_value();
    const bool readOnly = connected && m_settings->readOnlyNow();
    const bool sending = bool(m_job);
    const QString forbidden = forbiddenReason(m_permissions, {"XADD"});
    m_send->setEnabled(connected && !readOnly && !sending && forbidden.isEmpty());
    m_send->setToolTip(forbidden.isEmpty() ? tr("Append the entry (Ctrl+Enter)") : forbidden);
    m_stop->setEnabled(sending);
    m_trimValue->setEnabled(m_trim->currentIndex() != 0);
    m_approximate->setEnabled(m_trim->currentIndex() != 0);
    m_readOnlyNote->setText(
        readOnly ? toneHtml(Tone::Critical, tr("Read-only mode:"), true)
                       + tr(" publishing is off. Turn read-only off in the toolbar to append "
                            "entries.")
        : !connected ? tr("Not connected.")
                     : QString());
    m_readOnlyNote->setVisible(readOnly || !connected);
}

void PublishView::setStreams(const QList<QByteArray> &streams) {
    const QString current = m_stream->currentText();
    QStringList names;
    for (const QByteArray &s : streams)
        names << QString::fromUtf8(s);
    QStringList existing;
    for (int i = 0; i < m_stream->count(); ++i)
        existing << m_stream->itemText(i);
    if (existing == names)
        return;
    m_stream->clear();
    m_stream->addItems(names);
    m_stream->setCurrentText(current);
}

void PublishView::setTemplateStore(QSettings *settings) {
    m_store = settings;
    reloadTemplates();
}

QList<PublishTemplate> PublishView::templates() const {
    return m_templates;
}

void PublishView::reloadTemplates() {
    m_templates = builtInTemplates();
    if (m_store) {
        m_store->beginGroup(QStringLiteral("publishTemplates"));
        for (const QString &key : m_store->childKeys())
            if (auto t = PublishTemplate::fromJson(m_store->value(key).toByteArray()); t.ok())
                m_templates.append(t.value());
        m_store->endGroup();
    }
    m_template->clear();
    m_template->addItem(tr("(choose a template)"));
    for (const PublishTemplate &t : m_templates) {
        m_template->addItem(t.builtIn ? t.name : tr("%1 (yours)").arg(t.name));
        m_template->setItemData(m_template->count() - 1, t.description, Qt::ToolTipRole);
    }
}

bool PublishView::saveTemplate(const QString &name) {
    PublishProblems problems;
    const PublishRequest r = request(&problems);
    if (r.fields.isEmpty()) {
        showProblems(
            {{PublishProblem::Where::Fields, -1, tr("A template needs at least one field.")}});
        return false;
    }
    if (!m_store) {
        m_result->setText(tr("Templates cannot be saved here (no settings store)."));
        return false;
    }
    PublishTemplate t{name, {}, r.stream, r.fields, false};
    m_store->beginGroup(QStringLiteral("publishTemplates"));
    m_store->setValue(QString::fromLatin1(name.toUtf8().toPercentEncoding()), t.toJson());
    m_store->endGroup();
    m_store->sync();
    reloadTemplates();
    m_result->setText(tr("Saved template \"%1\".").arg(name));
    return true;
}

void PublishView::setFields(const FieldList &fields) {
    m_fields->setRowCount(int(fields.size()));
    for (int r = 0; r < fields.size(); ++r) {
        m_fields->setItem(r, 0, new QTableWidgetItem(QString::fromUtf8(fields.at(r).first)));
        m_fields->setItem(r, 1, new QTableWidgetItem(QString::fromUtf8(fields.at(r).second)));
    }
    m_fieldTabs->setCurrentIndex(0);
}

void PublishView::loadTemplate(const PublishTemplate &t) {
    if (!t.stream.isEmpty())
        m_stream->setCurrentText(QString::fromUtf8(t.stream));
    setFields(t.fields);
    m_id->clear();
    showProblems({});
}

bool PublishView::loadTemplate(const QString &name) {
    for (int i = 0; i < m_templates.size(); ++i)
        if (m_templates.at(i).name == name) {
            m_template->setCurrentIndex(i + 1);
            loadTemplate(m_templates.at(i));
            return true;
        }
    return false;
}

void PublishView::loadEntry(const StreamEntry &entry) {
    m_stream->setCurrentText(QString::fromUtf8(entry.stream));
    FieldList fields;
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        fields.append({name.toByteArray(), value.toByteArray()});
    });
    setFields(fields);
    m_id->clear();
    showProblems({});
    m_result->setText(
        tr("Copied entry %1 of %2 into the form.")
            .arg(QString::fromLatin1(entry.id.toByteArray()), QString::fromUtf8(entry.stream)));
}

PublishRequest PublishView::request(PublishProblems *problems) const {
    PublishRequest r;
    r.stream = m_stream->currentText().trimmed().toUtf8();
    if (m_fieldTabs->currentIndex() == 1) {
        auto fields = fieldsFromJson(m_json->toPlainText().toUtf8());
        if (fields.ok())
            r.fields = fields.value();
        else
            problems->append(
                {PublishProblem::Where::Fields, -1, tr("JSON: %1.").arg(fields.error().message)});
    } else {
        for (int row = 0; row < m_fields->rowCount(); ++row) {
            const QTableWidgetItem *name = m_fields->item(row, 0);
            const QTableWidgetItem *value = m_fields->item(row, 1);
            const QString n = name ? name->text() : QString();
            const QString v = value ? value->text() : QString();
            if (n.isEmpty() && v.isEmpty())
                continue; // a blank row is no field
            r.fields.append({n.toUtf8(), v.toUtf8()});
        }
    }
    r.id = m_id->text().trimmed().toUtf8();
    if (r.id.isEmpty())
        r.id = "*";
    r.trim = PublishRequest::Trim(m_trim->currentIndex());
    r.trimValue = m_trimValue->text().trimmed().toUtf8();
    r.approximate = m_approximate->isChecked();
    return r;
}

void PublishView::showProblems(const PublishProblems &problems) {
    m_problems = problems;
    for (QWidget *w : {static_cast<QWidget *>(m_stream), static_cast<QWidget *>(m_id),
                       static_cast<QWidget *>(m_trimValue), static_cast<QWidget *>(m_fieldTabs)})
        w->setStyleSheet({});
    for (int r = 0; r < m_fields->rowCount(); ++r)
        for (int c = 0; c < 2; ++c)
            if (QTableWidgetItem *item = m_fields->item(r, c)) {
                item->setBackground(QBrush());
                item->setToolTip({});
            }
    QStringList lines;
    for (const PublishProblem &p : problems) {
        lines << p.message.toHtmlEscaped();
        switch (p.where) {
        case PublishProblem::Where::Stream:
            m_stream->setStyleSheet(invalidStyle());
            break;
        case PublishProblem::Where::Id:
            m_id->setStyleSheet(invalidStyle());
            break;
        case PublishProblem::Where::Trim:
            m_trimValue->setStyleSheet(invalidStyle());
            break;
        case PublishProblem::Where::Fields:
            m_fieldTabs->setStyleSheet(QStringLiteral("QTabWidget::pane {") + invalidStyle()
                                       + QLatin1Char('}'));
            break;
        case PublishProblem::Where::FieldName:
        case PublishProblem::Where::FieldValue: {
            // Rows in the request skip blank rows: map back to the table's row.
            int seen = -1;
            for (int r = 0; r < m_fields->rowCount(); ++r) {
                const QTableWidgetItem *n = m_fields->item(r, 0);
                const QTableWidgetItem *v = m_fields->item(r, 1);
                if ((!n || n->text().isEmpty()) && (!v || v->text().isEmpty()))
                    continue;
                if (++seen != p.row)
                    continue;
                const int column = p.where == PublishProblem::Where::FieldName ? 0 : 1;
                QTableWidgetItem *item = m_fields->item(r, column);
                if (!item)
                    m_fields->setItem(r, column, item = new QTableWidgetItem);
                item->setBackground(invalidBrush);
                item->setToolTip(p.message);
                break;
            }
            break;
        }
        }
    }
    m_problemsLabel->setText(
        lines.isEmpty() ? QString()
                        : QStringLiteral("<span style='%1'>%2</span>")
                              .arg(toneStyle(Tone::Critical), lines.join(QStringLiteral("<br>"))));
    m_problemsLabel->setVisible(!lines.isEmpty());
}

QString PublishView::problemText() const {
    QStringList lines;
    for (const PublishProblem &p : m_problems)
        lines << p.message;
    return lines.join(QLatin1Char('\n'));
}

QString PublishView::resultText() const {
    return m_result->text();
}

bool PublishView::send() {
    if (m_job || !m_settings || m_settings->readOnlyNow())
        return false;
    PublishProblems problems;
    const PublishRequest r = request(&problems);
    problems += validate(r);
    showProblems(problems);
    if (!problems.isEmpty()) {
        m_result->setText(tr("Nothing was sent."));
        return false;
    }
    m_outcome.reset();
    const qint64 count = m_count->value();
    m_progress->setRange(0, int(count));
    m_progress->setValue(0);
    m_result->setText(tr("Sending..."));
    m_job = std::make_unique<PublishThread>(*m_settings, r, count, count > 1 ? m_rate->value() : 0);
    connect(m_job->job(), &PublishJob::progress, this,
            [this](qint64 sent, qint64, const QByteArray &) { m_progress->setValue(int(sent)); });
    connect(m_job->job(), &PublishJob::done, this, &PublishView::onDone);
    m_job->start();
    updateEnabled();
    return true;
}

void PublishView::stop() {
    if (m_job)
        m_job->job()->requestStop();
}

void PublishView::onDone(const PublishJob::Outcome &outcome) {
    m_job.reset(); // the thread has finished: done() is its last word
    m_outcome = outcome;
    m_progress->setValue(int(outcome.sent));
    if (outcome.rejected) {
        showProblems(outcome.problems);
        m_result->setText(tr("Nothing was sent."));
    } else if (!outcome.error.isEmpty()) {
        m_result->setText(toneHtml(Tone::Critical, outcome.error));
    } else if (outcome.stopped) {
        m_result->setText(tr("Stopped after %1 of %2; the last was %3.")
                              .arg(formatCount(outcome.sent),
                                   countOf(outcome.requested, "entry", "entries"),
                                   QString::fromLatin1(outcome.lastId)));
    } else {
        m_result->setText(outcome.sent == 1
                              ? tr("Appended entry %1.").arg(QString::fromLatin1(outcome.lastId))
                              : tr("Appended %1; the last was %2.")
                                    .arg(countOf(outcome.sent, "entry", "entries"),
                                         QString::fromLatin1(outcome.lastId)));
    }
    updateEnabled();
    Q_EMIT finished(outcome);
}

} // namespace streamscope
