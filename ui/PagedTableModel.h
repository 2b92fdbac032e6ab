#pragma once

#include <QAbstractTableModel>
#include <QList>

namespace streamscope {

// A table that loads its rows page by page, as a view scrolls (canFetchMore/fetchMore), from
// requests answered asynchronously. It owns what every such model must get right: pages of an
// earlier request are dropped, and a model is "loading" until its rows are in, so a view that
// asks for more while they go in does not ask for the same page again.
template <typename Row> class PagedTableModel : public QAbstractTableModel {
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    bool canFetchMore(const QModelIndex &parent) const override {
        return !parent.isValid() && !m_atEnd && !m_loading && !m_rows.isEmpty();
    }
    const Row &entry(int row) const { return m_rows.at(row); }
    const QList<Row> &rows() const { return m_rows; } // everything loaded, in order
    bool atEnd() const { return m_atEnd; }
    bool isLoading() const { return m_loading; }

protected:
    // Empties the model for a new request (whose pages count from now on) and returns its id.
    int restart(bool nothingToLoad) {
        beginResetModel();
        m_rows.clear();
        ++m_request;
        m_loading = false;
        m_atEnd = nothingToLoad;
        endResetModel();
        return m_request;
    }
    // Call when a page has been asked for; returns the id its answer must carry.
    int markLoading() {
        m_loading = true;
        return m_request;
    }
    // Appends an answer; false when it belongs to an earlier request (then nothing changes).
    bool acceptPage(int request, const QList<Row> &page, int pageSize) {
        if (request != m_request)
            return false;
        m_atEnd = page.size() < pageSize;
        if (!page.isEmpty()) {
            const int first = int(m_rows.size());
            beginInsertRows({}, first, first + int(page.size()) - 1);
            m_rows.append(page);
            endInsertRows();
        }
        m_loading = false; // only now: see the class comment
        return true;
    }
    // Inserts an answer above the rows (newer entries read forward); false when it belongs to an
    // earlier request. Where the bottom ends is not changed.
    bool acceptPageAtTop(int request, const QList<Row> &page) {
        if (request != m_request)
            return false;
        if (!page.isEmpty()) {
            beginInsertRows({}, 0, int(page.size()) - 1);
            m_rows = page + m_rows;
            endInsertRows();
        }
        m_loading = false;
        return true;
    }
    // For answers that say themselves whether more rows follow below (not by a short page).
    void setAtEnd(bool atEnd) { m_atEnd = atEnd; }
    void removeRowAt(int row) {
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
    }

private:
    QList<Row> m_rows;
    int m_request = 0;
    bool m_loading = false;
    bool m_atEnd = true;
};

} // namespace streamscope
