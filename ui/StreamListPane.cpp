#include "StreamListPane.h"

#include "Deployment.h"
#include "Palette.h"
#include "Session.h"
#include "StreamListModel.h"
#include "WarningBanner.h"
#include "Wording.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace streamscope {

StreamListPane::StreamListPane(QWidget *parent)
    : QWidget(parent)
    , m_model(new StreamListModel(this))
    , m_view(new QTableView)
    , m_error(new QLabel)
    , m_missing(new WarningBanner) {
    m_view->setObjectName(QStringLiteral("streamList"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    // Long names keep their start and end ("orders:eu-w…:events"): the numbers stay readable.
    m_view->setTextElideMode(Qt::ElideMiddle);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    QHeaderView *header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(0, QHeaderView::Stretch);
    header->setMinimumSectionSize(m_view->fontMetrics().horizontalAdvance(QStringLiteral("0000")));
    m_view->setColumnHidden(StreamListModel::LastIdColumn, true); // in the tooltip
    showClusterColumns(false);
    m_view->setToolTip(tr("Select streams to show only their events (none: all); "
                          "double-click one to browse its history"));
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        QSet<QByteArray> selected;
        for (const QModelIndex &row : m_view->selectionModel()->selectedRows())
            selected.insert(row.data(StreamListModel::NameRole).toByteArray());
        Q_EMIT selectionChanged(selected);
    });
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        Q_EMIT browseRequested(index.data(StreamListModel::NameRole).toByteArray());
    });

    m_error->setObjectName(QStringLiteral("streamListError"));
    m_error->setWordWrap(true);
    m_error->hide();
    m_missing->setObjectName(QStringLiteral("streamListMissingNodes"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_error);
    layout->addWidget(m_missing);
    layout->addWidget(m_view);
}

void StreamListPane::bind(Session *session) {
    for (const QMetaObject::Connection &c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    // Nothing of the previous server (or user) stays on screen as if it were this one's: the
    // list fills again from this connection's first polls.
    m_model->setStreams({}, QDateTime::currentMSecsSinceEpoch());
    m_model->setFreshness(session ? session->freshness() : Freshness());
    m_listError.clear();
    m_truncatedNote = false;
    showError({});
    m_missing->setText({});
    showClusterColumns(false);
    if (!session)
        return;
    m_connections << connect(session, &Session::streamsListed, this, &StreamListPane::onListed);
    m_connections << connect(session, &Session::freshnessChanged, this,
                             &StreamListPane::onFreshness);
    m_connections << connect(session, &Session::pollFailed, this,
                             [this](const Error &error, PollArea area) {
                                 if (area == PollArea::Groups)
                                     return;
                                 m_listError = tr("Stream list not current: %1").arg(error.message);
                                 showError(m_listError);
                             });
    m_connections << connect(
        session, &Session::nodesMissing, this, [this](const MissingNodeList &missing) {
            QStringList reasons;
            for (const MissingNode &m : missing)
                reasons << QStringLiteral("%1: %2").arg(m.endpoint, m.reason);
            m_missing->setText(
                ::streamscope::missingNodesText(missing, tr("streams there are not listed")),
                reasons.join(QLatin1Char('\n')));
        });
    m_connections << connect(
        session, &Session::topologyUpdated, this, [this](const TopologySnapshot &snapshot) {
            showClusterColumns(snapshot.topology == RedisClient::Topology::Cluster);
        });
    m_connections << connect(session, &Session::serverInfoUpdated, this,
                             [this](const ServerInfo &info) {
                                 if (info.mode == QLatin1String("cluster"))
                                     showClusterColumns(true);
                             });
}

void StreamListPane::onListed(const StreamInfoList &streams, bool truncated) {
    m_model->setStreams(streams, QDateTime::currentMSecsSinceEpoch());
    m_listError.clear();
    // The bound is said where it applies, for as long as it does.
    m_truncatedNote = truncated;
    showError(truncated ? tr("Only the first %1 are listed and watched (their groups too).")
                              .arg(countOf(streams.size(), "matching stream", "matching streams"))
                        : QString());
    if (m_restore.isEmpty())
        return;
    QItemSelection selection;
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (m_restore.contains(QString::fromUtf8(
                m_model->index(row, 0).data(StreamListModel::NameRole).toByteArray())))
            selection.select(m_model->index(row, 0),
                             m_model->index(row, StreamListModel::ColumnCount - 1));
    if (!selection.isEmpty()) {
        m_view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
        m_restore.clear();
    }
}

void StreamListPane::onFreshness(const Freshness &freshness) {
    m_model->setFreshness(freshness);
    if (freshness.state == Freshness::State::Stale)
        showError(m_listError.isEmpty() ? tr("Not current: %1 (%2); figures greyed.")
                                              .arg(freshness.reason, freshness.lastUpdatedText())
                                        : m_listError);
    else if (m_listError.isEmpty() && !m_truncatedNote)
        showError({});
}

void StreamListPane::showError(const QString &text) {
    m_error->setStyleSheet(toneStyle(Tone::Critical));
    m_error->setText(text);
    m_error->setToolTip(text);
    m_error->setVisible(!text.isEmpty());
}

QString StreamListPane::missingNodesText() const {
    return m_missing->text();
}

QStringList StreamListPane::selectedStreams() const {
    QStringList names;
    for (const QModelIndex &row : m_view->selectionModel()->selectedRows())
        names << QString::fromUtf8(row.data(StreamListModel::NameRole).toByteArray());
    return names;
}

void StreamListPane::restoreSelection(const QStringList &names) {
    m_restore = names;
}

void StreamListPane::clearSelection() {
    m_view->clearSelection();
}

void StreamListPane::showClusterColumns(bool cluster) {
    const bool shown = !m_view->isColumnHidden(StreamListModel::NodeColumn);
    m_view->setColumnHidden(StreamListModel::NodeColumn, !cluster);
    m_view->setColumnHidden(StreamListModel::SlotColumn, !cluster);
    // Two more columns: widen a narrow stream pane once, so that the names still show.
    if (cluster && !shown)
        Q_EMIT wantsWidth(480);
}

} // namespace streamscope
