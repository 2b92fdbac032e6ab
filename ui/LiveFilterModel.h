#pragma once

#include <QAbstractTableModel>
#include <QByteArray>
#include <QSet>

#include <deque>
#include <vector>

namespace streamscope {

class LiveEventModel;

// The live table's rows of the chosen streams (all when none is chosen), for a million rows.
// A QSortFilterProxyModel keeps two index maps of every row and rebuilds them when rows leave
// at the front (O(rows) per flush); this one relies on what the live model does: rows come at the
// end and leave at the front, in order. Unfiltered it passes rows through; filtered it keeps the
// row numbers of the rows shown (LiveEventModel::rowNumber), so that a flush costs what it adds
// and removes. Choosing streams goes over every row once, by stream key (no string compared).
class LiveFilterModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit LiveFilterModel(LiveEventModel *source, QObject *parent = nullptr);

    // Returns whether the choice changed (a model reset when it did).
    bool setStreams(QSet<QByteArray> streams);
    const QSet<QByteArray> &streams() const { return m_streams; }
    bool accepts(const QByteArray &stream) const;

    LiveEventModel *source() const { return m_source; }
    int sourceRow(int row) const;
    // The row showing sourceRow, or -1 when it is filtered out.
    int rowOf(int sourceRow) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    bool filtering() const { return !m_streams.isEmpty(); }
    bool acceptsKey(quint32 key) const;
    void rebuild();
    void sourceAboutToRemove(int first, int last);
    void sourceRemoved();
    void sourceAboutToInsert(int first, int last);
    void sourceInserted(int first, int last);

    LiveEventModel *m_source;
    QSet<QByteArray> m_streams;
    std::deque<qint64> m_numbers; // row numbers of the source rows shown, when filtering
    mutable std::vector<qint8> m_keyAccepted; // by stream key: -1 not known yet, 0 or 1
    // Between the source's about-to and done signals: what this model announced.
    enum class Change { None, Remove, Insert } m_change = Change::None;
    qsizetype m_removeAt = 0;
    qsizetype m_removeCount = 0;
};

} // namespace streamscope
