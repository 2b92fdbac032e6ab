#include "StreamBrowser.h"

#include "EntryDetailView.h"
#include "ExportDialog.h"
#include "GroupActions.h"
#include "StreamBrowserModel.h"
#include "TrimDialog.h"
#include "ValueFormat.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace streamscope {

StreamBrowser::StreamBrowser(QWidget *parent)
    : QWidget(parent)
    , m_model(new StreamBrowserModel(this))
    , m_filter(new EntryFilterProxy(this)) {
    m_filter->setSourceModel(m_model);

    m_stream = new QLineEdit;
    m_stream->setPlaceholderText(tr("stream name"));
    auto *open = new QPushButton(tr("Open newest"));
    m_jump = new QLineEdit;
    m_jump->setPlaceholderText(tr("jump to 14:05, 2026-11-25 14:05:30 or an entry ID"));
    auto *go = new QPushButton(tr("Jump"));
    auto *trim = new QPushButton(tr("Trim..."));
    trim->setObjectName(QStringLiteral("trimButton"));
    m_trimButton = trim;
    connect(trim, &QPushButton::clicked, this, [this] {
        if (m_model->stream().isEmpty() || !m_requests)
            return setError(tr("Open a stream first."));
        auto *dialog = new TrimDialog(m_requests, m_model->stream(), m_readOnly, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &TrimDialog::trimmed, this, [this](bool ok) {
            if (ok)
                openStream(m_model->stream());
        });
        dialog->open();
    });
    connect(open, &QPushButton::clicked, this, [this] { openStream(m_stream->text().toUtf8()); });
    connect(m_stream, &QLineEdit::returnPressed, open, &QPushButton::click);
    connect(go, &QPushButton::clicked, this, &StreamBrowser::jump);
    connect(m_jump, &QLineEdit::returnPressed, this, &StreamBrowser::jump);

    m_field = new QLineEdit;
    m_field->setPlaceholderText(tr("any field"));
    m_mode = new QComboBox;
    m_mode->addItems({tr("contains"), tr("equals"), tr("regex")});
    m_value = new QLineEdit;
    m_value->setPlaceholderText(tr("value (Ctrl+F)"));
    m_matches = new QLabel;
    m_older = new QPushButton(tr("Load older"));
    m_older->setToolTip(tr("Load the next page back, to search further"));
    m_error = new QLabel;
    m_error->setStyleSheet(QStringLiteral("color:#c62828"));
    for (QLineEdit *e : {m_field, m_value})
        connect(e, &QLineEdit::returnPressed, this, &StreamBrowser::applyFilter);
    connect(m_mode, &QComboBox::activated, this, &StreamBrowser::applyFilter);
    connect(m_older, &QPushButton::clicked, this, [this] { m_model->fetchMore({}); });
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, this, [this] {
        m_value->setFocus();
        m_value->selectAll();
    });
    addAction(find);

    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("browser"));
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(StreamBrowserModel::IdColumn, 190);
    m_view->setColumnWidth(StreamBrowserModel::TimeColumn, 190);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *copyJson = new QAction(tr("Copy as JSON"), m_view);
    copyJson->setShortcut(QKeySequence::Copy);
    copyJson->setShortcutContext(Qt::WidgetShortcut);
    connect(copyJson, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(QString::fromUtf8(selectedAsJson())); });
    auto *copyXadd = new QAction(tr("Copy as XADD command"), m_view);
    connect(copyXadd, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(QString::fromUtf8(selectedAsXadd())); });
    m_deleteAction = new QAction(tr("Delete from the stream (XDEL)..."), m_view);
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_deleteAction->setShortcutContext(Qt::WidgetShortcut);
    connect(m_deleteAction, &QAction::triggered, this, &StreamBrowser::deleteSelected);
    auto *toForm = new QAction(tr("Copy to the publish form"), m_view);
    connect(toForm, &QAction::triggered, this, [this] {
        const QList<StreamEntry> entries = selectedEntries();
        if (!entries.isEmpty())
            Q_EMIT publishRequested(entries.first());
    });
    m_view->addActions({copyJson, copyXadd, toForm, m_deleteAction});
    confirm = [this](const QString &question) {
        return QMessageBox::question(this, tr("Confirm"), question) == QMessageBox::Yes;
    };
    m_detail = new EntryDetailView;
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_view->selectionModel()->selectedRows();
        if (rows.isEmpty())
            m_detail->clearEntry();
        else
            m_detail->showEntry(m_model->entry(m_filter->mapToSource(rows.first()).row()));
    });
    connect(m_model, &StreamBrowserModel::pageLoaded, this, &StreamBrowser::updateMatches);
    connect(m_model, &StreamBrowserModel::failed, this, &StreamBrowser::setError);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &StreamBrowser::updateMatches);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Stream")));
    top->addWidget(m_stream, 1);
    top->addWidget(open);
    top->addWidget(m_jump, 1);
    top->addWidget(go);
    top->addWidget(trim);
    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Filter")));
    filters->addWidget(m_field);
    filters->addWidget(m_mode);
    filters->addWidget(m_value, 1);
    filters->addWidget(m_matches);
    filters->addWidget(m_older);
    auto *exportButton = new QPushButton(tr("Export..."));
    exportButton->setToolTip(tr("Write the loaded or selected entries, or a range of this stream, "
                                "to JSON Lines or CSV"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        ExportChoices choices;
        choices.loaded = m_model->rows();
        choices.selected = selectedEntries();
        choices.stream = m_model->stream();
        Q_EMIT exportRequested(choices);
    });
    filters->addWidget(exportButton);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_view);
    split->addWidget(m_detail);
    split->setSizes({450, 200});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addLayout(filters);
    layout->addWidget(m_error);
    layout->addWidget(split, 1);
    updateMatches();
    setError({});
}

void StreamBrowser::setPermissions(const Permissions &permissions) {
    m_permissions = permissions;
    updateWriteActions();
}

void StreamBrowser::updateWriteActions() {
    const QString noDelete = forbiddenReason(m_permissions, {"XDEL"});
    m_deleteAction->setEnabled(m_requests && !m_readOnly && noDelete.isEmpty());
    m_deleteAction->setToolTip(m_readOnly ? tr("Read-only mode") : noDelete);
    const QString noTrim = forbiddenReason(m_permissions, {"XTRIM"});
    m_trimButton->setEnabled(noTrim.isEmpty());
    m_trimButton->setToolTip(
        noTrim.isEmpty()
            ? tr("XTRIM with a preview of what goes and which groups lose unread entries")
            : noTrim);
}

void StreamBrowser::setRequests(GroupActions *requests, bool readOnly) {
    m_requests = requests;
    m_readOnly = readOnly;
    updateWriteActions();
    if (!requests)
        return;
    connect(requests->worker(), &GroupActionsWorker::entriesDeleted, m_model,
            &StreamBrowserModel::removeEntries, Qt::UniqueConnection);
    connect(m_model, &StreamBrowserModel::pageWanted, requests->worker(),
            &GroupActionsWorker::fetchHistory, Qt::UniqueConnection);
    connect(requests->worker(), &GroupActionsWorker::historyPage, m_model,
            &StreamBrowserModel::addPage, Qt::UniqueConnection);
}

void StreamBrowser::openStream(const QByteArray &stream, const PageStart &start) {
    setError({});
    if (stream.isEmpty()) {
        setError(tr("Name a stream to open."));
        return;
    }
    m_stream->setText(QString::fromUtf8(stream));
    m_model->open(stream, start);
}

void StreamBrowser::jump() {
    auto start = parseJump(m_jump->text(), QDate::currentDate());
    if (!start.ok()) {
        setError(start.error().message);
        return;
    }
    openStream(m_stream->text().toUtf8(), start.value());
}

Result<PageStart> StreamBrowser::parseJump(const QString &input, const QDate &today) {
    return parseIdOrTime(input, today);
}

bool StreamBrowser::applyFilter() {
    QString error;
    const bool ok = m_filter->setFilter(m_field->text().toUtf8(), m_value->text(),
                                        EntryFilterProxy::Mode(m_mode->currentIndex()), &error);
    setError(error);
    updateMatches();
    return ok;
}

QList<StreamEntry> StreamBrowser::selectedEntries() const {
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end());
    QList<StreamEntry> out;
    for (const QModelIndex &row : rows)
        out.append(m_model->entry(m_filter->mapToSource(row).row()));
    return out;
}

QByteArray StreamBrowser::selectedAsJson() const {
    QByteArray out;
    for (const StreamEntry &e : selectedEntries())
        valueformat::appendEntryJson(out, e);
    return out;
}

QByteArray StreamBrowser::selectedAsXadd() const {
    QByteArray out;
    for (const StreamEntry &e : selectedEntries())
        out += valueformat::xaddCommand(e) + '\n';
    return out;
}

void StreamBrowser::deleteSelected() {
    const QList<StreamEntry> entries = selectedEntries();
    if (entries.isEmpty() || !m_requests || m_readOnly)
        return;
    QList<QByteArray> ids;
    for (const StreamEntry &e : entries)
        ids.append(e.id.toByteArray());
    const QString question =
        entries.size() == 1
            ? tr("Delete entry %1 from %2? This cannot be undone.")
                  .arg(QString::fromLatin1(ids.first()), QString::fromUtf8(m_model->stream()))
            : tr("Delete %1 entries from %2? This cannot be undone.")
                  .arg(entries.size())
                  .arg(QString::fromUtf8(m_model->stream()));
    if (!confirm(question))
        return;
    GroupActionsWorker *w = m_requests->worker();
    const QByteArray stream = m_model->stream();
    QMetaObject::invokeMethod(
        w, [w, stream, ids] { w->deleteEntries(stream, ids); }, Qt::QueuedConnection);
}

void StreamBrowser::setError(const QString &message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString StreamBrowser::matchText() const {
    return m_matches->text();
}

void StreamBrowser::updateMatches() {
    const int loaded = m_model->rowCount();
    QString text = m_filter->isActive()
                       ? tr("%1 of %2 loaded entries match").arg(m_filter->rowCount()).arg(loaded)
                       : tr("%1 entries loaded").arg(loaded);
    if (m_model->atEnd() && loaded > 0)
        text += tr(" (the whole stream)");
    m_matches->setText(text);
    m_older->setEnabled(!m_model->atEnd());
}

} // namespace streamscope
